// Package generated holds the committed output of `go generate` for the
// standard BBF models (TR-104 in both major versions: VoiceService:1 as
// most deployed devices declare it, VoiceService:2): for each, a package of
// Go types, validators and typed paths (tr181, ...) and its schema
// subpackage (tr181/schema, ...), which is all the ACS, the CPE runtime and
// the CLI import. Regenerate with
//
//	go generate ./generated/...
//
// (it reads the BBF files from ../shared/bbf or $DMFORGE_BBF). The test
// TestGeneratedIsFresh in package gen fails when these files are stale.
// tr104 also has the CPE stubs (gen cpe) that gen's tests drive.
package generated

//go:generate go run ../cmd/dmforge gen go Device:2.19 --out tr181 --package tr181
//go:generate go run ../cmd/dmforge gen go InternetGatewayDevice:1.14 --out tr098 --package tr098
//go:generate go run ../cmd/dmforge gen cpe VoiceService:2.0 --out tr104 --package tr104
//go:generate go run ../cmd/dmforge gen go VoiceService:1.1 --out tr104v1 --package tr104v1
//go:generate go run ../cmd/dmforge gen go STBService:1.4 --out tr135 --package tr135
