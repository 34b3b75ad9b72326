package gen_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/gen"
	"github.com/dmforge/dmforge/internal/testbbf"
	"github.com/dmforge/dmforge/model"
)

// TestGoldenUSP generates gen cpe's package for the hand-written USP
// model and compares it with its golden files; the structure checks say
// what the goldens must show.
func TestGoldenUSP(t *testing.T) {
	m := loadModel(t, "", "testdata/golden/usp.xml")
	files, err := gen.GoFiles(m, gen.Options{Package: "lab", CPE: true, ImportPath: "example.com/lab/lab"})
	if err != nil {
		t.Fatal(err)
	}
	dir := "testdata/golden/usp"
	if *update {
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, goldenName(name)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	goldens, _ := filepath.Glob(filepath.Join(dir, "*.golden"))
	if len(goldens) != len(files) {
		t.Fatalf("%d golden files, %d generated (run with -update)", len(goldens), len(files))
	}
	for name, data := range files {
		want, err := os.ReadFile(filepath.Join(dir, goldenName(name)))
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if string(want) != string(data) {
			t.Errorf("%s differs from its golden file (rerun with -update if intended)", name)
		}
	}
	root, rack, cmds := string(files["root.go"]), string(files["rack.go"]), string(files["cpe_commands.go"])
	for _, c := range []struct{ file, text, want string }{
		// Input and output structs typed like parameter fields.
		{"root.go", root, `type LabProbeInput struct {`},
		{"root.go", root, "Host string `dm:\"mandatory\" json:\"Host,omitzero\"`"},
		{"root.go", root, "Count uint32 `json:\"Count,omitzero\"`"},
		{"root.go", root, "Ports []uint32 `json:\"Ports,omitzero\"`"},
		{"root.go", root, "Offset int32 `json:\"Offset,omitzero\"`"},
		{"root.go", root, "Key model.HexBinary `json:\"Key,omitzero\"`"},
		{"root.go", root, "Options *LabProbeInputOptions `json:\"Options,omitzero\"`"},
		{"root.go", root, "Payload []byte `json:\"Payload,omitzero\"`"},
		{"root.go", root, "Status LabProbeOutputStatus `json:\"Status,omitzero\"`"},
		{"root.go", root, `LabProbeOutputStatus_Error_Timeout LabProbeOutputStatus = "Error_Timeout"`},
		{"root.go", root, "Started time.Time `json:\"Started,omitzero\"`"},
		{"root.go", root, "Loss model.Decimal `json:\"Loss,omitzero\"`"},
		{"root.go", root, "Bytes uint64 `json:\"Bytes,omitzero\"`"},
		{"root.go", root, "Drift int64 `json:\"Drift,omitzero\"`"},
		// Argument tables as slices of structs, nested ones too.
		{"root.go", root, "Replies []LabProbeOutputReplies `json:\"Replies,omitzero\"`"},
		{"root.go", root, "Hops []LabProbeOutputRepliesHops `json:\"Hops,omitzero\"`"},
		// Typed paths carrying sync/async; a command named like a
		// parameter of its object yields to it.
		{"root.go", root, "func (x LabObjectPath) Probe_2() model.CommandPath[LabProbeInput, LabProbeOutput] {"},
		{"root.go", root, `model.NewCommandPath[LabProbeInput, LabProbeOutput](x.ObjectPath, "Probe()", true)`},
		{"root.go", root, `model.NewCommandPath[LabRebootInput, model.NoArgs](x.ObjectPath, "Reboot()", false)`},
		{"root.go", root, "func (x LabObjectPath) Clear() model.CommandPath[model.NoArgs, model.NoArgs] {"},
		{"rack.go", rack, "func (x LabRackPath) Reset() model.CommandPath[model.NoArgs, LabRackResetOutput] {"},
		// Events.
		{"root.go", root, "type LabBootEvent struct {"},
		{"root.go", root, "Params []LabBootEventParams `json:\"Params,omitzero\"`"},
		{"root.go", root, `func (x LabObjectPath) Boot() model.EventPath[LabBootEvent] {`},
		{"rack.go", rack, `func (x LabRackPath) Alarm() model.EventPath[model.NoArgs] {`},
		// Handler interfaces: sync returns the output, async completes later.
		{"root.go", root, "LabReboot(ctx context.Context, inst []uint32, in LabRebootInput) (model.NoArgs, error)"},
		{"root.go", root, "LabProbe(ctx context.Context, inst []uint32, in LabProbeInput, done func(LabProbeOutput, error)) error"},
		{"rack.go", rack, "LabRackReset(ctx context.Context, inst []uint32, in model.NoArgs) (LabRackResetOutput, error)"},
		{"cpe_commands.go", cmds, "LabProbe     LabProbeHandler"},
		{"cpe_commands.go", cmds, `case "Lab.Rack.{i}.Reset()":`},
		{"cpe_commands.go", cmds, "model.OperateAsync(ctx, c.LabProbe.LabProbe, inst, input, done)"},
	} {
		if !strings.Contains(c.text, c.want) {
			t.Errorf("%s lacks %q", c.file, c.want)
		}
	}
	// Deleted commands, events and arguments are left out.
	for _, gone := range []string{"OldReset", "Gone", "Old bool"} {
		for name, data := range files {
			if regexp.MustCompile(`\b` + gone + `\b`).Match(data) {
				t.Errorf("%s has the deleted %s", name, gone)
			}
		}
	}

	// gen go makes the same structs and paths, without the handlers.
	plain, err := gen.GoFiles(m, gen.Options{Package: "lab", ImportPath: "example.com/lab/lab"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain["cpe_commands.go"]; ok {
		t.Error("gen go wrote cpe_commands.go")
	}
	if p := string(plain["root.go"]); strings.Contains(p, "Handler interface") || !strings.Contains(p, "type LabProbeInput struct {") || !strings.Contains(p, "func (x LabObjectPath) Probe_2()") {
		t.Error("gen go's root.go should have the argument structs and typed paths but no handler interfaces")
	}
}

// TestUSPPackageBuildsAndRuns builds a small agent and controller against
// gen cpe's package for the hand-written USP model and runs it: typed
// input, Operate through sync and async handlers, output read back into
// the typed struct, strict argument decoding, event arguments.
func TestUSPPackageBuildsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	m := loadModel(t, "", "testdata/golden/usp.xml")
	main, _ := os.ReadFile("testdata/usp/main.go.txt")
	dir := uspModule(t, m, map[string]string{"main.go": string(main)})
	out := runBounded(t, dir, 5*time.Minute, "go", "run", ".")
	for _, want := range []string{
		"supported [Lab.Probe() Lab.Rack.{i}.Reset()]",
		"path Lab.Rack.3.Reset() false",
		"path Lab.Probe() true input Count=2 Host=h1 Options.Verbose=true Ports=80,443 <nil>",
		"reset false <nil> output Cleared=30",
		"probe true <nil> output Bytes=2 Drift=0 Replies.1.Hops.1.Address=hop Replies.1.Host=h1 Replies.1.RTT=80 Replies.2.Hops.1.Address=hop Replies.2.Host=h1 Replies.2.RTT=443 Started=0001-01-01T00:00:00Z Status=Complete 443 <nil>",
		"clear true",
		"missing Lab.Probe(): argument Host: mandatory argument missing",
		"range true Count invalid value range",
		"busy busy",
		"alias Lab.Rack.[a].Reset(): not a command's instance path",
		"event Lab.Boot! args Cause=LocalReboot FirmwareUpdated=false Params.1.Path=Lab.Name Params.1.Value=x",
		"parsed LocalReboot Lab.Name <nil>",
		"alarm Lab.Rack.2.Alarm!",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("the program's output lacks %q:\n%s", want, out)
		}
	}
}

// TestUSPHandlersAreTypeChecked: a synchronous implementation does not
// fit an asynchronous command's handler, a command's output and an
// event's arguments have their own types.
func TestUSPHandlersAreTypeChecked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	m := loadModel(t, "", "testdata/golden/usp.xml")
	bad, _ := os.ReadFile("testdata/usp/compilefail.go.txt")
	dir := uspModule(t, m, map[string]string{"bad.go": string(bad)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOPROXY=off")
	outb, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("the ill-typed program compiled")
	}
	msg := string(outb)
	for _, line := range []string{"bad.go:16", "bad.go:18", "bad.go:19"} {
		if !strings.Contains(msg, line) {
			t.Errorf("want a compile error at %s:\n%s", line, msg)
		}
	}
	if strings.Contains(msg, "bad.go:17") {
		t.Errorf("bad.go:17 is well typed:\n%s", msg)
	}
	if !strings.Contains(msg, "LabProbeHandler") {
		t.Errorf("the error at bad.go:16 should say syncProbe is no LabProbeHandler:\n%s", msg)
	}
}

// TestUSPTR181Builds generates gen cpe's package for TR-181 2.19.1 USP
// (tr-181-2-19-1-usp.xml) and builds a program that uses a command's
// input and output structs, its handler and an event's struct.
func TestUSPTR181Builds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds TR-181 USP in a separate module")
	}
	dirBBF := testbbf.Require(t)
	m := loadNamed(t, dirBBF, "tr-181-2-19-1-usp.xml", "Device:2.19")
	commands, events := 0, 0
	for _, o := range m.LiveObjects() {
		commands += len(o.Commands)
		events += len(o.Events)
	}
	if commands < 150 || events < 40 {
		t.Fatalf("Device:2.19 USP has %d commands and %d events: not the USP model", commands, events)
	}
	const main = `package main

import (
	"context"
	"fmt"

	"example.com/lab/lab"
	"github.com/dmforge/dmforge/model"
)

type tracer struct{}

func (tracer) DeviceIPDiagnosticsTraceRoute(_ context.Context, _ []uint32, in lab.DeviceIPDiagnosticsTraceRouteInput, done func(lab.DeviceIPDiagnosticsTraceRouteOutput, error)) error {
	go done(lab.DeviceIPDiagnosticsTraceRouteOutput{Status: lab.DeviceIPDiagnosticsTraceRouteOutputStatus_Complete,
		RouteHops: []lab.DeviceIPDiagnosticsTraceRouteOutputRouteHops{{Host: in.Host, RTTimes: []uint32{1, 2}}}}, nil)
	return nil
}

type resetter struct{}

func (resetter) DeviceIPInterfaceReset(context.Context, []uint32, model.NoArgs) (model.NoArgs, error) {
	return model.NoArgs{}, nil
}

func main() {
	tr := lab.Device.IP.Diagnostics.TraceRoute()
	in, err := tr.Input(lab.DeviceIPDiagnosticsTraceRouteInput{Host: "example.com", ProtocolVersion: lab.DeviceIPDiagnosticsTraceRouteInputProtocolVersion_IPv4})
	cmds := &lab.Commands{DeviceIPDiagnosticsTraceRoute: tracer{}, DeviceIPInterfaceReset: resetter{}}
	res := make(chan map[string]string, 1)
	_, async, err2 := cmds.Operate(context.Background(), tr.Path(), in, func(out map[string]string, err error) { res <- out })
	out, err3 := tr.Output(<-res)
	fmt.Println(tr.Path(), async, out.Status, out.RouteHops[0].Host, err, err2, err3)
	_, _, err = cmds.Operate(context.Background(), lab.Device.IP.Interface(2).Reset().Path(), nil, nil)
	boot := lab.Device.Boot()
	args, _ := boot.Args(lab.DeviceBootEvent{Cause: lab.DeviceBootEventCause_RemoteReboot, FirmwareUpdated: true})
	fmt.Println(boot.Path(), args["Cause"], args["FirmwareUpdated"], err)
}
`
	dir := uspModule(t, m, map[string]string{"main.go": main})
	// -trimpath keeps the temporary directory out of the build cache's
	// keys: a second run with the same generated code is a cache hit
	// (the first compiles about 7 MB of Go: minutes on a loaded machine).
	runBounded(t, dir, 15*time.Minute, "go", "build", "-trimpath", "-o", "app", ".")
	out := runBounded(t, dir, time.Minute, filepath.Join(dir, "app"))
	if want := "Device.IP.Diagnostics.TraceRoute() true Complete example.com <nil> <nil> <nil>\nDevice.Boot! RemoteReboot true <nil>\n"; out != want {
		t.Errorf("the program printed %q, want %q", out, want)
	}
}

// uspModule writes a module example.com/lab with m generated by gen cpe
// into its package lab, and files.
func uspModule(t *testing.T, m *model.Model, files map[string]string) string {
	t.Helper()
	root, _ := filepath.Abs("..")
	dir := t.TempDir()
	gomod := "module example.com/lab\n\ngo 1.24\n\nrequire github.com/dmforge/dmforge v0.0.0\n\nreplace github.com/dmforge/dmforge => " + root + "\n"
	files["go.mod"] = gomod
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := gen.WriteGo(m, gen.Options{Package: "lab", CPE: true}, filepath.Join(dir, "lab")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runBounded runs a command in dir, failing the test when it fails or
// outlives its bound, and returns its output.
func runBounded(t *testing.T, dir string, bound time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not finish within %s", name, strings.Join(args, " "), bound)
	}
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestUSPProfileAndInclude: a profile keeps the commands and events it
// names, --include the ones of its subtrees.
func TestUSPProfileAndInclude(t *testing.T) {
	m := loadModel(t, "", "testdata/golden/usp.xml")
	files, err := gen.GoFiles(m, gen.Options{Package: "lab", CPE: true, Profile: "Basic:1", ImportPath: "example.com/lab/lab"})
	if err != nil {
		t.Fatal(err)
	}
	root := string(files["root.go"])
	for _, want := range []string{"func (x LabObjectPath) Reboot() model.CommandPath[LabRebootInput, model.NoArgs]", "type LabBootEvent struct", "LabReboot LabRebootHandler"} {
		if !strings.Contains(root+string(files["cpe_commands.go"]), want) {
			t.Errorf("with the profile, the package lacks %q", want)
		}
	}
	for _, gone := range []string{"LabProbeInput", "LabClear", "Probe()"} {
		if strings.Contains(root, gone) {
			t.Errorf("with the profile, root.go has %s, which the profile does not name", gone)
		}
	}
	files, err = gen.GoFiles(m, gen.Options{Package: "lab", CPE: true, Includes: []string{"Lab.Rack."}, ImportPath: "example.com/lab/lab"})
	if err != nil {
		t.Fatal(err)
	}
	all := string(files["root.go"]) + string(files["rack.go"]) + string(files["cpe_commands.go"])
	if !strings.Contains(all, "LabRackReset LabRackResetHandler") || strings.Contains(all, "LabProbe") || strings.Contains(all, "LabBootEvent") {
		t.Error("--include Lab.Rack. should keep Lab.Rack.{i}.Reset() only")
	}
	if !strings.Contains(string(files["schema/schema.go"]), "Reset()") || strings.Contains(string(files["schema/schema.go"]), "Probe()") {
		t.Error("the schema should carry the generated commands only")
	}
}

// TestUSPSchemaDataEqualsModel: the schema data gen go writes for TR-181
// 2.19.1 USP decodes to the commands and events of the model, argument by
// argument (paths, syntax, mandatory, async, status, version).
func TestUSPSchemaDataEqualsModel(t *testing.T) {
	dirBBF := testbbf.Require(t)
	for _, c := range []struct{ dir, file, name string }{
		{"", "testdata/golden/usp.xml", ""},
		{dirBBF, "tr-181-2-19-1-usp.xml", "Device:2.19"},
	} {
		var m *model.Model
		if c.name == "" {
			m = loadModel(t, c.dir, c.file)
		} else {
			m = loadNamed(t, c.dir, c.file, c.name)
		}
		files, err := gen.GoFiles(m, gen.Options{Package: "p", ImportPath: "example.com/p"})
		if err != nil {
			t.Fatal(err)
		}
		src := string(files["schema/schema.go"])
		i := strings.Index(src, "const data = `")
		if i < 0 {
			t.Fatal("no data constant in schema.go")
		}
		data := src[i+len("const data = `"):]
		data = data[:strings.IndexByte(data, '`')]
		got, err := model.DecodeSchema(m.Name, m.Spec, data)
		if err != nil {
			t.Fatal(err)
		}
		want := model.SchemaFromModel(m).USPEntries()
		if len(want) == 0 || len(got.USPEntries()) != len(want) {
			t.Fatalf("%s: %d commands and events decoded, the model has %d", c.file, len(got.USPEntries()), len(want))
		}
		for i, w := range want {
			if g := got.USPEntries()[i]; !reflect.DeepEqual(normalUSP(g), normalUSP(w)) {
				t.Errorf("%s: got %+v, want %+v", w.Path, *g, *w)
			}
		}
		args := 0
		for _, op := range want {
			args += len(op.Input) + len(op.Output) + len(op.Args)
		}
		t.Logf("%s: %d commands and events, %d arguments; schema data %d bytes", c.file, len(want), args, len(data))
	}
}

// normalUSP is e without what the encoding does not carry (source
// positions of facets), arguments by value and empty lists as nil.
type uspNormal struct {
	model.USPEntry
	In, Out, Args []model.Argument
}

func normalUSP(e *model.USPEntry) uspNormal {
	norm := func(as []*model.Argument) []model.Argument {
		var out []model.Argument
		for _, a := range as {
			n := *a
			ne := normalEntry(&model.Entry{Syntax: a.Syntax})
			n.Syntax = ne.Syntax
			out = append(out, n)
		}
		return out
	}
	c := *e
	c.Input, c.Output, c.Args = nil, nil, nil
	return uspNormal{c, norm(e.Input), norm(e.Output), norm(e.Args)}
}

// BenchmarkUSPSchemaFirstUse is the first use of the TR-181 2.19.1 USP
// schema (objects, parameters, commands, events and arguments): decoding
// its data and finding a command.
func BenchmarkUSPSchemaFirstUse(b *testing.B) {
	m := loadNamed(b, testbbf.Require(b), "tr-181-2-19-1-usp.xml", "Device:2.19")
	data := model.EncodeSchema(model.SchemaFromModel(m))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		s := model.LazySchema("Device:2.19", "", data)
		if op, ok := s.USPEntry("Device.IP.Diagnostics.TraceRoute()"); !ok || !op.Async {
			b.Fatal("TraceRoute() not found")
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
