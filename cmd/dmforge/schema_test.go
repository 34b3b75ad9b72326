package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/spf13/pflag"
)

const acmeSchemaXML = "../../gen/testdata/jsonschema/acme.xml"

// runGen is run for `gen` subcommands, whose flags run does not reset.
func runGen(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := run(t, args...)
	for _, c := range genCmd.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Changed {
				_ = f.Value.Set(f.DefValue)
				f.Changed = false
			}
		})
	}
	return out, err
}

func TestGenSchemaCmd(t *testing.T) {
	out, err := runGen(t, "gen", "schema", acmeSchemaXML)
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes as the generator's golden file.
	want, err := os.ReadFile("../../gen/testdata/jsonschema/acme.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Error("gen schema output differs from gen/testdata/jsonschema/acme.schema.json")
	}
	file := filepath.Join(t.TempDir(), "acme.json")
	if out, err := runGen(t, "gen", "schema", "--compact", "--id", "https://example.com/acme.json", acmeSchemaXML, "-o", file); err != nil || out != "" {
		t.Fatalf("-o: %q %v", out, err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("\n")) != 1 || !bytes.Contains(b, []byte(`"$id":"https://example.com/acme.json"`)) {
		t.Errorf("--compact --id: %.200s", b)
	}
	if _, err := runGen(t, "gen", "schema", "Device:9.9"); err == nil {
		t.Error("unknown model accepted")
	}
}

// TestGenSchemaUSPLeavesCommandsOut: the schema of a USP model says that it
// leaves the commands and events out (a document holds values only).
func TestGenSchemaUSPLeavesCommandsOut(t *testing.T) {
	testbbf.Require(t)
	out, err := run(t, "gen", "schema", "VoiceService:2.0-usp", "--compact")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Comment string `json:"$comment"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Comment, "commands") || !strings.Contains(s.Comment, "leaves them") {
		t.Errorf("$comment %q", s.Comment)
	}
	cwmp, err := run(t, "gen", "schema", "VoiceService:2.0", "--compact")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cwmp, `"$comment"`) {
		t.Error("the CWMP model's schema has a $comment about commands")
	}
}
