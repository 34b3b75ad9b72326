package gen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/internal/testbbf"
)

// The README's recipe for generating Go in a module of one's own.
const (
	recipeGetTool  = "go get -tool github.com/dmforge/dmforge/cmd/dmforge"
	recipeGenerate = "//go:generate go tool dmforge gen go Device:2.19 --out . --package tr181"
)

const recipeMain = `package main

import (
	"encoding/json"
	"fmt"

	"example.com/app/tr181"
	"github.com/dmforge/dmforge/model"
)

func main() {
	pv := model.Set(tr181.Device.WiFi.Radio(2).Channel, 11)
	fmt.Println(pv.Name, pv.Value, pv.Type)
	var d tr181.Document
	d.Device = &tr181.DeviceObject{WiFi: &tr181.DeviceWiFi{}}
	d.Device.WiFi.AddRadio(2).Channel = 300
	for _, v := range d.ValidateSet() {
		fmt.Println("violation", v.Path, v.Err.Rule)
	}
	data, _ := json.Marshal(&d)
	fmt.Println(string(data))
	e, _ := tr181.Schema.Lookup("Device.WiFi.Radio.2.Channel")
	fmt.Println(e.Syntax)
}
`

// TestREADMERecipeInFreshModule runs the README's recipe in a new module:
// go get -tool, the go:generate line, go generate, then builds and runs a
// program that uses typed paths, JSON and ValidateSet.
func TestREADMERecipeInFreshModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	bbfDir := testbbf.Require(t)
	root, _ := filepath.Abs("..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{recipeGetTool, recipeGenerate} {
		if !strings.Contains(string(readme), line) {
			t.Fatalf("README.md no longer shows %q: update the recipe and this test together", line)
		}
	}
	dir := t.TempDir()
	run := func(env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "GOFLAGS=-mod=mod", "DMFORGE_BBF="+bbfDir), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(nil, "go", "mod", "init", "example.com/app")
	// Stand-ins for the published module: the worktree, and its go.sum.
	run(nil, "go", "mod", "edit", "-replace", "github.com/dmforge/dmforge="+root)
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	// go get asks the proxy whether github.com/dmforge/dmforge/cmd/dmforge
	// is a module of its own; the local stand-in is not published, so the
	// lookup stays off (the requirements come from the module cache).
	args := strings.Fields(recipeGetTool)
	run([]string{"GOPROXY=off"}, args[0], args[1:]...)
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !strings.Contains(string(gomod), "tool github.com/dmforge/dmforge/cmd/dmforge") {
		t.Fatalf("go.mod has no tool line:\n%s", gomod)
	}
	t.Logf("go.mod after go get -tool: %d indirect requirements", strings.Count(string(gomod), "// indirect"))
	os.MkdirAll(filepath.Join(dir, "tr181"), 0o755)
	os.WriteFile(filepath.Join(dir, "tr181", "gen.go"), []byte("package tr181\n\n"+recipeGenerate+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(recipeMain), 0o644)
	run(nil, "go", "generate", "./...")
	if _, err := os.Stat(filepath.Join(dir, "tr181", "schema", "schema.go")); err != nil {
		t.Fatalf("go generate wrote no schema subpackage: %v", err)
	}
	run(nil, "go", "build", "-o", "app", ".")
	out := run(nil, filepath.Join(dir, "app"))
	for _, want := range []string{
		"Device.WiFi.Radio.2.Channel 11 unsignedInt",
		"violation Device.WiFi.Radio.2.Channel range",
		`{"Device":{"WiFi":{"Radio":{"2":{"Channel":300}}}}}`,
		"unsignedInt[1:255]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the program's output lacks %q:\n%s", want, out)
		}
	}
}
