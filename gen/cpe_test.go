package gen_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/generated/tr104"
	"github.com/dmforge/dmforge/model"
)

// The generated Store is what the CPE handlers call.
var _ cpe.Store = (*tr104.Store)(nil)

// voice is a tiny device implementation written against the generated
// TR-104 stubs: one VoiceService with an Alias, and a Line table.
type voice struct {
	tr104.UnimplementedVoiceServiceImpl
	tr104.UnimplementedVoiceServiceCallControlImpl
	alias string
	lines map[uint32]bool
	next  uint32
	txLog []string
}

func (v *voice) Alias(inst []uint32) (string, error) { return v.alias, nil }
func (v *voice) SetAlias(inst []uint32, s string) error {
	if s == "refuse" {
		return errors.New("refused")
	}
	v.alias = s
	return nil
}
func (v *voice) MaxNumberOfLines(inst []uint32) (uint32, error) { return 4, nil }
func (v *voice) LineInstances(inst []uint32) []uint32 {
	var out []uint32
	for i := uint32(1); i <= v.next; i++ {
		if v.lines[i] {
			out = append(out, i)
		}
	}
	return out
}
func (v *voice) AddLine(inst []uint32) (uint32, error) {
	v.next++
	v.lines[v.next] = true
	return v.next, nil
}
func (v *voice) DeleteLine(inst []uint32, i uint32) error {
	if !v.lines[i] {
		return errors.New("no such line")
	}
	delete(v.lines, i)
	return nil
}
func (v *voice) Begin() error  { v.txLog = append(v.txLog, "begin"); return nil }
func (v *voice) Commit() error { v.txLog = append(v.txLog, "commit"); return nil }
func (v *voice) Rollback()     { v.txLog = append(v.txLog, "rollback") }

func TestGeneratedCPEStore(t *testing.T) {
	v := &voice{alias: "home", lines: map[uint32]bool{}}
	s := tr104.NewStore(&tr104.Implementation{
		VoiceServiceImpl:            v,
		VoiceServiceCallControlImpl: v,
		VoiceServiceInstances:       func() []uint32 { return []uint32{1} },
		Tx:                          v,
	})
	if got := s.Instances("VoiceService."); len(got) != 1 || got[0] != 1 {
		t.Fatalf("root instances: %v", got)
	}
	if val, ok := s.Get("VoiceService.1.Alias"); !ok || val != "home" {
		t.Fatalf("Get Alias: %q %v", val, ok)
	}
	if val, ok := s.Get("VoiceService.1.CallControl.MaxNumberOfLines"); !ok || val != "4" {
		t.Fatalf("Get uint: %q %v", val, ok)
	}
	// An object the implementation leaves out is not present.
	if _, ok := s.Get("VoiceService.1.Capabilities.MaxLineCount"); ok {
		t.Fatal("parameter of an unimplemented object is present")
	}
	// A method the implementation does not override is not present either.
	if _, ok := s.Get("VoiceService.1.VoIPProfileNumberOfEntries"); ok {
		t.Fatal("unimplemented getter reported a value")
	}
	if err := s.Set([]model.ParameterValue{{Name: "VoiceService.1.Alias", Value: "office", Type: model.TypeString}}); err != nil || v.alias != "office" {
		t.Fatalf("Set: %v, alias %q", err, v.alias)
	}
	err := s.Set([]model.ParameterValue{{Name: "VoiceService.1.Alias", Value: "refuse"}})
	if err == nil || strings.Join(v.txLog, ",") != "begin,commit,begin,rollback" {
		t.Fatalf("failing setter: %v, tx %v", err, v.txLog)
	}
	if err := s.Set([]model.ParameterValue{{Name: "VoiceService.1.CallControl.MaxNumberOfLines", Value: "x"}}); err == nil {
		t.Fatal("a value the Go type cannot hold was accepted")
	}
	n, err := s.AddInstance("VoiceService.1.CallControl.Line.")
	if err != nil || n != 1 {
		t.Fatalf("AddInstance: %d %v", n, err)
	}
	if got := s.Instances("VoiceService.1.CallControl.Line."); len(got) != 1 {
		t.Fatalf("Line instances: %v", got)
	}
	if err := s.DeleteInstance("VoiceService.1.CallControl.Line.1."); err != nil || len(v.lines) != 0 {
		t.Fatalf("DeleteInstance: %v", err)
	}
	if err := s.DeleteInstance("VoiceService.1.CallControl.Line.9."); err == nil {
		t.Fatal("deleting a missing instance succeeded")
	}
	// Read-only tables have no adder.
	if _, err := s.AddInstance("VoiceService.1.Capabilities.Codec."); !errors.Is(err, model.ErrNotSupported) {
		t.Fatalf("AddInstance on a read-only table: %v", err)
	}
}

// TestScaffoldBuildsAndRuns writes the starter CPE program for a small
// Device-shaped model, builds it, and runs one session against the test
// ACS on loopback.
func TestScaffoldBuildsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	m := loadModel(t, "", "testdata/golden/mini-device.xml")
	root, _ := filepath.Abs("..")
	files, err := gen.Scaffold(m, gen.ScaffoldOptions{Module: "example.com/mycpe", Package: "device", Replace: root})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files["main.go"]), "type deviceInfo struct") {
		t.Error("the scaffold has no sample object implementation")
	}
	dir := t.TempDir()
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	files["go.sum"] = sum
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := goCmd(dir, "build", "-o", "starter", "."); err != nil {
		t.Fatalf("the scaffold does not build: %v\n%s", err, out)
	}
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "starter"), "-acs", srv.URL+"/", "-serial", "SCAF0001", "-sessions", "1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the starter CPE failed: %v\n%s", err, out)
	}
	s := acs.Last("SCAF0001")
	if s == nil || !strings.Contains(strings.Join(s.Events(), ","), "0 BOOTSTRAP") {
		t.Fatalf("the test ACS saw no bootstrap Inform from the starter CPE: %+v", s)
	}
}
