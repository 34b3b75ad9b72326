// Package generated holds the committed output of `go generate` for the
// standard BBF models (TR-104 in both major versions: VoiceService:1 as
// most deployed devices declare it, VoiceService:2). Regenerate with
//
//	go generate ./generated/...
//
// (it reads the BBF files from ../shared/bbf or $DMFORGE_BBF). The test
// TestGeneratedIsFresh in package gen fails when these files are stale.
package generated

//go:generate go run ../cmd/dmforge gen cpe Device:2.19 --out tr181 --package tr181
//go:generate go run ../cmd/dmforge gen cpe InternetGatewayDevice:1.14 --out tr098 --package tr098
//go:generate go run ../cmd/dmforge gen cpe VoiceService:2.0 --out tr104 --package tr104
//go:generate go run ../cmd/dmforge gen cpe VoiceService:1.1 --out tr104v1 --package tr104v1
//go:generate go run ../cmd/dmforge gen cpe STBService:1.4 --out tr135 --package tr135
