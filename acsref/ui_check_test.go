package acsref_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/generated/tr098"
	"github.com/dmforge/dmforge/generated/tr181"
	"github.com/dmforge/dmforge/model"
)

// nodeRunner runs the page's script (ui/static/app.js) in Node.js and
// answers checkValue for each case, as the page computes it from the
// input's data attributes.
const nodeRunner = `
const vm = require("vm"), fs = require("fs");
const ctx = { document: { addEventListener() {} } };
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8") + "\n;globalThis.checkValue = checkValue;", ctx);
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(c => ctx.checkValue(c.v, c.d))));
`

// TestUICheckMirrorsModel: the page's value check agrees with
// model.CheckValue, value by value, on the writable parameters of
// TR-181 and TR-098 (one per distinct syntax) and a set of values good
// and bad for each type: same verdict, same rule, and the same message
// (but for enumerations, which the page lists). The page refuses an
// enumeration value the model marks read-only (the ACS does not write
// it), which the server's type check accepts: those values are left out.
func TestUICheckMirrorsModel(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no node in CI")
		}
		t.Skip("no node on this machine")
	}
	values := []string{"", "0", "1", "-1", "+5", "-0", "42", "4294967295", "4294967296", "-2147483649", "18446744073709551616",
		"true", "false", "yes", "abc", "1.5", ".5", "-", "1.", "a,b", " 1, 2", "1,,2",
		"2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "2024-01-01T24:00:00", "2024-01-01T24:00:01", "2024-01-01T00:00:00.Z",
		"2024-01-01T00:00:00.123+02:00", "2024-01-01T00:00:00+15:00", "2024-01-01T00:00:00+02", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
		"2024-1-01T00:00:00Z", "AQID", "AQI=", "AQ==", "A===", "AQ=D", "AQ ID", "ab", "00FF", "0G", "FFFFFF", "fffffff",
		"12:34:56:78:9a:bc", "12:34:56:78:9a", "192.168.1.1", "::1", "1 Firmware Upgrade Image", "X 00D09E foo", "X 00d09e foo",
		"0.25", "0.1", "100.05", "-0.5", "+1.0", "1e3",
		strings.Repeat("x", 65), strings.Repeat("é", 64), strings.Repeat("x", 257), strings.Repeat("1,", 40) + "1", strings.Repeat("ab,", 200) + "ab"}
	type jsCase struct {
		D map[string]string `json:"d"`
		V string            `json:"v"`
	}
	type want struct {
		path string
		err  *model.ValueError
	}
	var cases []jsCase
	var wants []want
	seen := map[string]bool{}
	for _, schema := range []*model.Schema{tr181.Schema, tr098.Schema} {
		for _, e := range schema.Entries() {
			sx := e.Syntax
			if e.Object || e.Access == model.ReadOnly || sx == nil {
				continue
			}
			d := acsref.UIInputData(sx)
			key, _ := json.Marshal(d)
			if seen[string(key)] {
				continue
			}
			seen[string(key)] = true
			vs := values
			for _, en := range sx.Enums {
				vs = append(vs, en.Value)
			}
			for _, v := range vs {
				readOnlyEnum := false
				for _, en := range sx.Enums {
					if en.Access == model.ReadOnly && (en.Value == v || sx.List != nil && strings.Contains(v, en.Value)) {
						readOnlyEnum = true
					}
				}
				if readOnlyEnum {
					continue
				}
				cases = append(cases, jsCase{D: d, V: v})
				wants = append(wants, want{path: e.Path, err: model.CheckValue(sx, v)})
			}
		}
	}
	if len(seen) < 50 {
		t.Fatalf("only %d distinct syntaxes", len(seen))
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command(node, "-e", nodeRunner, "ui/static/app.js")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var got [][]string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node's answer (%d for %d cases): %v", len(got), len(cases), err)
	}
	bad, refused := 0, 0
	for i, w := range wants {
		g := got[i]
		var server, page string
		if w.err != nil {
			refused++
			server = fmt.Sprintf("[%s] %s", w.err.Rule, w.err.Msg)
		}
		if g != nil {
			page = fmt.Sprintf("[%s] %s", g[0], g[1])
		}
		same := server == page
		if !same && w.err != nil && g != nil && w.err.Rule == model.RuleEnumeration && g[0] == string(model.RuleEnumeration) {
			same = true // the page lists the values, the server counts them
		}
		if !same {
			bad++
			if bad <= 30 {
				t.Errorf("%s = %q (type %s, data %v):\n  server %q\n  page   %q", w.path, cases[i].V, cases[i].D["type"], cases[i].D, server, page)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases differ", bad, len(cases))
	}
	t.Logf("%d cases over %d syntaxes, %d refused by the model", len(cases), len(seen), refused)
	if refused == 0 || refused == len(cases) {
		t.Fatal("the cases do not test both verdicts")
	}
}
