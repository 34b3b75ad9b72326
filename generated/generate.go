// Package generated holds the committed output of `go generate` for the
// four standard BBF models. Regenerate with
//
//	go generate ./generated/...
//
// (it reads the BBF files from ../shared/bbf or $DMFORGE_BBF). The test
// TestGeneratedIsFresh in package gen fails when these files are stale.
package generated

//go:generate go run ../cmd/dmforge gen cpe Device:2.19 --out tr181 --package tr181
//go:generate go run ../cmd/dmforge gen cpe InternetGatewayDevice:1.14 --out tr098 --package tr098
//go:generate go run ../cmd/dmforge gen cpe VoiceService:2.0 --out tr104 --package tr104
//go:generate go run ../cmd/dmforge gen cpe STBService:1.4 --out tr135 --package tr135
