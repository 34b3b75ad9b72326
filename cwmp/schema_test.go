package cwmp

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

// The schema test validates what the encoder writes with xmllint against
// the BBF cwmp schemas in shared/bbf. Those schemas import the SOAP 1.1
// envelope and encoding schemas by their http URLs and include each other
// by broadband-forum.org URLs; an XML catalog maps the first to the
// renditions in testdata/xsd (the machines have no network) and the second
// to the BBF directory. Each envelope is validated whole (the SOAP schema
// processes Header and Body content laxly, which validates every element
// whose declaration is known) and its body element is also validated as a
// document of its own, where an undeclared element fails.

// requireXmllint returns the xmllint path, or skips the test; in CI
// (CI set) a missing xmllint fails it instead.
func requireXmllint(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		msg := "xmllint not found: install libxml2-utils (apt-get install -y libxml2-utils) to validate against the BBF schemas"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

type schemaHarness struct {
	t       *testing.T
	xmllint string
	dir     string
	env     []string
}

func newSchemaHarness(t *testing.T) *schemaHarness {
	xmllint := requireXmllint(t)
	bbf, err := filepath.Abs(testbbf.Require(t))
	if err != nil {
		t.Fatal(err)
	}
	xsdDir, err := filepath.Abs(filepath.Join("testdata", "xsd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cwmp-1-0.xsd", "cwmp-1-1.xsd", "cwmp-1-2.xsd", "cwmp-1-3.xsd", "cwmp-1-4.xsd"} {
		if _, err := os.Stat(filepath.Join(bbf, f)); err != nil {
			t.Fatalf("BBF schema missing: %v", err)
		}
	}
	dir := t.TempDir()
	catalog := fmt.Sprintf(`<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="http://schemas.xmlsoap.org/soap/envelope/" uri="file://%s/soap-envelope.xsd"/>
  <system systemId="http://schemas.xmlsoap.org/soap/encoding/" uri="file://%s/soap-encoding.xsd"/>
  <rewriteSystem systemIdStartString="http://www.broadband-forum.org/cwmp/" rewritePrefix="file://%s/"/>
  <rewriteSystem systemIdStartString="https://www.broadband-forum.org/cwmp/" rewritePrefix="file://%s/"/>
</catalog>
`, xsdDir, xsdDir, bbf, bbf)
	catPath := filepath.Join(dir, "catalog.xml")
	if err := os.WriteFile(catPath, []byte(catalog), 0o644); err != nil {
		t.Fatal(err)
	}
	return &schemaHarness{t: t, xmllint: xmllint, dir: dir, env: append(os.Environ(), "XML_CATALOG_FILES="+catPath)}
}

// wrapper writes a schema importing the SOAP envelope schema and the cwmp
// schema file for ns, and returns its path.
func (h *schemaHarness) wrapper(ns Namespace, cwmpXSD string) string {
	h.t.Helper()
	path := filepath.Join(h.dir, "wrap-"+cwmpXSD)
	xsd := fmt.Sprintf(`<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:dmforge:test:wrapper">
  <xs:import namespace="%s" schemaLocation="http://schemas.xmlsoap.org/soap/envelope/"/>
  <xs:import namespace="%s" schemaLocation="http://www.broadband-forum.org/cwmp/%s"/>
</xs:schema>
`, NamespaceSOAPEnvelope, ns, cwmpXSD)
	if err := os.WriteFile(path, []byte(xsd), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// validate runs xmllint over files and returns, per file, "" when it
// validates or xmllint's complaint.
func (h *schemaHarness) validate(schema string, files []string) map[string]string {
	h.t.Helper()
	args := append([]string{"--nonet", "--noout", "--schema", schema}, files...)
	cmd := exec.Command(h.xmllint, args...)
	cmd.Env = h.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // non-zero when any file fails; judged per file below
	result := map[string]string{}
	var pending []string
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasSuffix(line, " validates"):
			result[strings.TrimSuffix(line, " validates")] = ""
			pending = nil
		case strings.HasSuffix(line, " fails to validate"):
			result[strings.TrimSuffix(line, " fails to validate")] = strings.Join(pending, "\n")
			pending = nil
		case line != "":
			pending = append(pending, line)
		}
	}
	for _, f := range files {
		if _, ok := result[f]; !ok {
			h.t.Fatalf("xmllint said nothing about %s; output:\n%s", f, out.String())
		}
	}
	return result
}

const nsDecls = ` xmlns:SOAP-ENV="` + NamespaceSOAPEnvelope + `" xmlns:SOAP-ENC="` + NamespaceSOAPEncoding +
	`" xmlns:xsd="` + NamespaceXSD + `" xmlns:xsi="` + NamespaceXSI + `"`

// bodyDocuments cuts the body element (and, for a fault, the cwmp:Fault
// detail) out of an envelope this package encoded, as standalone documents
// declaring the envelope's namespaces.
func bodyDocuments(t *testing.T, envelope []byte, ns Namespace) [][]byte {
	t.Helper()
	s := string(envelope)
	start := strings.Index(s, "<SOAP-ENV:Body>")
	end := strings.LastIndex(s, "</SOAP-ENV:Body>")
	if start < 0 || end < 0 {
		t.Fatalf("no body in %s", s)
	}
	decls := nsDecls + ` xmlns:cwmp="` + string(ns) + `"`
	standalone := func(elem string) []byte {
		i := strings.IndexAny(elem, " />")
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + elem[:i] + decls + elem[i:])
	}
	inner := s[start+len("<SOAP-ENV:Body>") : end]
	docs := [][]byte{standalone(inner)}
	if fs, fe := strings.Index(inner, "<cwmp:Fault>"), strings.Index(inner, "</cwmp:Fault>"); fs >= 0 && fe >= 0 {
		docs = append(docs, standalone(inner[fs:fe+len("</cwmp:Fault>")]))
	}
	return docs
}

type schemaCase struct {
	ns      Namespace
	schemas []string // cwmp xsd files that define ns
}

var schemaCases = []schemaCase{
	{Namespace10, []string{"cwmp-1-0.xsd"}},
	{Namespace11, []string{"cwmp-1-1.xsd"}},
	{Namespace12, []string{"cwmp-1-2.xsd", "cwmp-1-3.xsd", "cwmp-1-4.xsd"}},
}

// TestEncodingValidatesAgainstBBFSchema: every message type, in every
// namespace that has it, with random valid content, validates.
func TestEncodingValidatesAgainstBBFSchema(t *testing.T) {
	h := newSchemaHarness(t)
	const perType = 4
	seeds := testSeeds(t)
	for _, sc := range schemaCases {
		var files []string
		origin := map[string]string{}
		write := func(name string, data []byte) {
			path := filepath.Join(h.dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, path)
			origin[path] = string(data)
		}
		// Namespace13 and Namespace14 carry the 1-2 schema; they are
		// validated as that namespace.
		sources := []Namespace{sc.ns}
		if sc.ns == Namespace12 {
			sources = append(sources, Namespace13, Namespace14)
		}
		n := 0
		for _, src := range sources {
			for _, seed := range seeds {
				g := newGen(seed, src)
				for _, name := range namesFor(src) {
					for i := 0; i < perType; i++ {
						data, err := Marshal(g.envelope(name))
						if err != nil {
							t.Fatalf("%s %s: encode: %v", src, name, err)
						}
						if src != sc.ns {
							data = bytes.ReplaceAll(data, []byte(src), []byte(sc.ns))
						}
						n++
						write(fmt.Sprintf("%s-%s-%d-env.xml", nsTag(sc.ns), name, n), data)
						for j, body := range bodyDocuments(t, data, sc.ns) {
							write(fmt.Sprintf("%s-%s-%d-body%d.xml", nsTag(sc.ns), name, n, j), body)
						}
					}
				}
			}
		}
		// SOAP-level faults carry no cwmp detail.
		mu, err := Marshal(&Envelope{Namespace: sc.ns, Header: Header{ID: "7"},
			Body: (&MustUnderstandError{}).Fault()})
		if err != nil {
			t.Fatal(err)
		}
		write(nsTag(sc.ns)+"-mustunderstand-env.xml", mu)
		for _, xsd := range sc.schemas {
			results := h.validate(h.wrapper(sc.ns, xsd), files)
			failed := 0
			for _, f := range files {
				if msg := results[f]; msg != "" {
					failed++
					if failed <= 5 {
						t.Errorf("%s does not validate against %s:\n%s\ndocument:\n%s", filepath.Base(f), xsd, msg, origin[f])
					}
				}
			}
			if failed > 0 {
				t.Errorf("%s: %d of %d documents fail", xsd, failed, len(files))
			} else {
				t.Logf("%s: %d documents validate", xsd, len(files))
			}
		}
	}
}

func nsTag(ns Namespace) string { return strings.TrimPrefix(string(ns), cwmpNamespacePrefix) }

// TestSchemaHarnessRejectsInvalid proves the harness can fail: documents
// that break the schema in the ways the encoder guards against are
// reported invalid by xmllint.
func TestSchemaHarnessRejectsInvalid(t *testing.T) {
	h := newSchemaHarness(t)
	valid, err := Marshal(&Envelope{Namespace: Namespace12, Header: Header{ID: "1"}, Body: &Inform{
		DeviceID:      DeviceIDStruct{"Acme", "00D09E", "Box", "1"},
		Event:         []EventStruct{{EventBoot, ""}},
		MaxEnvelopes:  1,
		ParameterList: []ParameterValueStruct{{"Device.X", "5", "xsd:unsignedInt"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string][2]string{
		"bad-oui":         {"<OUI>00D09E</OUI>", "<OUI>00d09e</OUI>"},
		"bad-value":       {">5</Value>", ">-5</Value>"},
		"no-arraytype":    {` SOAP-ENC:arrayType="cwmp:EventStruct[1]"`, ""},
		"no-mustunderst":  {` SOAP-ENV:mustUnderstand="1"`, ""},
		"wrong-order":     {"<MaxEnvelopes>1</MaxEnvelopes>", ""},
		"unknown-element": {"<cwmp:Inform>", "<cwmp:Inform><Bogus/>"},
		"bad-event":       {"<EventCode>1 BOOT</EventCode>", "<EventCode>BOOT</EventCode>"},
	}
	var files []string
	names := map[string]string{}
	for name, m := range mutations {
		if !bytes.Contains(valid, []byte(m[0])) {
			t.Fatalf("%s: %q not in the document", name, m[0])
		}
		doc := bytes.Replace(valid, []byte(m[0]), []byte(m[1]), 1)
		path := filepath.Join(h.dir, name+".xml")
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
		names[path] = name
	}
	// A body document whose element the schema does not declare, and a
	// CWMP 1.2 message in the 1-0 namespace, must fail too.
	bogus := []byte(`<?xml version="1.0"?>` + "\n" + `<cwmp:GetParameterValuez` + nsDecls + ` xmlns:cwmp="` + string(Namespace12) + `"/>`)
	bogusPath := filepath.Join(h.dir, "bogus-body.xml")
	if err := os.WriteFile(bogusPath, bogus, 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, bogusPath)
	names[bogusPath] = "undeclared body element"
	okPath := filepath.Join(h.dir, "valid.xml")
	if err := os.WriteFile(okPath, valid, 0o644); err != nil {
		t.Fatal(err)
	}
	results := h.validate(h.wrapper(Namespace12, "cwmp-1-4.xsd"), append(files, okPath))
	if msg := results[okPath]; msg != "" {
		t.Fatalf("the unmutated document fails: %s", msg)
	}
	for _, f := range files {
		if results[f] == "" {
			t.Errorf("mutation %s validates; the schema check would not catch it", names[f])
		}
	}

	cds, err := Marshal(&Envelope{Namespace: Namespace12, Body: &CancelTransfer{CommandKey: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	body := bodyDocuments(t, bytes.ReplaceAll(cds, []byte(Namespace12), []byte(Namespace10)), Namespace10)[0]
	oldPath := filepath.Join(h.dir, "cancel-in-1-0.xml")
	if err := os.WriteFile(oldPath, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if results := h.validate(h.wrapper(Namespace10, "cwmp-1-0.xsd"), []string{oldPath}); results[oldPath] == "" {
		t.Error("CancelTransfer validates against cwmp-1-0.xsd, which does not define it")
	}
}
