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

// TestGenSchemaUSPDescribesCommands: the schema of a USP model describes
// its commands' input and output and its events' arguments (in
// definitions of their own: a parameter document holds values only), and
// says where; a CWMP model's has none of that.
func TestGenSchemaUSPDescribesCommands(t *testing.T) {
	testbbf.Require(t)
	out, err := run(t, "gen", "schema", "VoiceService:2.0-usp", "--compact")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Comment     *string `json:"$comment"`
		Description string  `json:"description"`
		Definitions map[string]struct {
			Description string         `json:"description"`
			Patterns    map[string]any `json:"patternProperties"`
			Properties  map[string]any `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Comment != nil {
		t.Errorf("$comment %q: commands are no longer left out", *s.Comment)
	}
	if !strings.Contains(s.Description, "usp-commands") || !strings.Contains(s.Description, "usp-events") {
		t.Errorf("the root's description %q should name the definitions", s.Description)
	}
	cmds := s.Definitions["usp-commands"].Patterns
	if len(cmds) == 0 {
		t.Fatal("no commands described")
	}
	for re, r := range cmds {
		def := strings.TrimPrefix(r.(map[string]any)["$ref"].(string), "#/definitions/")
		d := s.Definitions[def]
		if !strings.HasSuffix(def, "()") || d.Properties["input"] == nil || d.Properties["output"] == nil ||
			!(strings.HasPrefix(d.Description, "synchronous command") || strings.HasPrefix(d.Description, "asynchronous command")) {
			t.Errorf("%s → %s: %+v", re, def, d)
		}
	}
	if _, ok := s.Definitions["usp-events"]; !ok {
		t.Error("no usp-events definition (VoiceService:2.0 has no events: it is empty)")
	}
	cwmp, err := run(t, "gen", "schema", "VoiceService:2.0", "--compact")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cwmp, `"$comment"`) || strings.Contains(cwmp, "usp-commands") {
		t.Error("the CWMP model's schema has USP commands")
	}
}
