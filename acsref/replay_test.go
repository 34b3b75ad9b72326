package acsref_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// realDir holds real device data (../shared/real), read at test time.
var realDir = filepath.Join("..", "..", "shared", "real")

// capturedPost is one POST of a captured session: [httpHeaders, soapBody].
type capturedPost struct {
	header map[string]string
	body   string
}

func readCapture(t *testing.T, dir string, n int) capturedPost {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.json", n)))
	if err != nil {
		t.Fatal(err)
	}
	var raw [2]json.RawMessage
	var c capturedPost
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%d.json: %v", n, err)
	}
	if err := json.Unmarshal(raw[0], &c.header); err != nil {
		t.Fatalf("%d.json headers: %v", n, err)
	}
	if err := json.Unmarshal(raw[1], &c.body); err != nil {
		t.Fatalf("%d.json body: %v", n, err)
	}
	return c
}

var (
	valueStructRE = regexp.MustCompile(`(?s)<ParameterValueStruct>\s*<Name>([^<]*)</Name>.*?</ParameterValueStruct>`)
	valueRE       = regexp.MustCompile(`(?s)<Value[^>]*?(?:/>|>(.*?)</Value>)`)
	paramListRE   = regexp.MustCompile(`(?s)(<ParameterList[^>]*arrayType="cwmp:ParameterValueStruct\[)\d+(\]"[^>]*>).*(</ParameterList>)`)
)

// TestHuaweiSessionReplay replays the captured session of a real Huawei
// BM632w (../shared/real/huawei-bm632w-session-2013, a GenieACS capture)
// against the ACS with its default settings: its Inform, its
// 930-entry GetParameterNamesResponse, and answers to the ACS's
// GetParameterValues made of the device's own ParameterValueStruct
// bytes. The CPE sends its own headers (its User-Agent, the cookies of the
// ACS it was captured with, never the ACS's): the session lives on its
// connection. Every name and every value of the discovery's scope is
// stored, the device is discovered and nothing is left pending.
func TestHuaweiSessionReplay(t *testing.T) {
	dir := filepath.Join(realDir, "huawei-bm632w-session-2013")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the captured session is missing: %v", err)
	}
	inform, empty, gpn := readCapture(t, dir, 0), readCapture(t, dir, 1), readCapture(t, dir, 2)
	// The device's values, as it sent them.
	values := map[string]string{}
	wantValue := map[string]string{}
	var shell string
	for n := 3; n <= 48; n++ {
		c := readCapture(t, dir, n)
		if shell == "" {
			shell = c.body
		}
		for _, m := range valueStructRE.FindAllStringSubmatch(c.body, -1) {
			values[m[1]] = m[0]
			v := valueRE.FindStringSubmatch(m[0])
			wantValue[m[1]] = html.UnescapeString(v[1])
		}
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	raw := newRawCPE(t, a.srv.CWMPURL(), false)
	post := func(c capturedPost, body string) (int, *cwmp.Envelope) {
		t.Helper()
		raw.header = http.Header{}
		for k, v := range c.header {
			switch strings.ToLower(k) {
			case "host", "content-length", "connection":
				continue
			}
			raw.header.Set(k, v)
		}
		code, _, reply := raw.post([]byte(body))
		return code, reply
	}
	if code, reply := post(inform, inform.body); code != http.StatusOK || reply == nil || reply.Body.MethodName() != "InformResponse" {
		t.Fatalf("Inform: HTTP %d %v", code, reply)
	}
	code, req := post(empty, "")
	gpvs := 0
	for n := 0; req != nil; n++ {
		if n > 100 {
			t.Fatal("the session does not end")
		}
		switch m := req.Body.(type) {
		case *cwmp.GetParameterNames:
			if m.ParameterPath != "InternetGatewayDevice." || m.NextLevel {
				t.Fatalf("GetParameterNames %+v, want the root's whole tree", m)
			}
			code, req = post(gpn, gpn.body)
		case *cwmp.GetParameterValues:
			gpvs++
			var items strings.Builder
			for _, name := range m.ParameterNames {
				frag, ok := values[name]
				if !ok {
					t.Fatalf("the ACS asked %q, which the device never named", name)
				}
				items.WriteString(frag + "\n")
			}
			loc := paramListRE.FindStringSubmatchIndex(shell)
			body := shell[:loc[3]] + fmt.Sprint(len(m.ParameterNames)) + shell[loc[4]:loc[5]] + "\n" + items.String() + shell[loc[6]:]
			code, req = post(empty, body)
		default:
			t.Fatalf("the ACS sent %s", req.Body.MethodName())
		}
	}
	if code != http.StatusNoContent {
		t.Fatalf("session ended with HTTP %d", code)
	}
	id := "202BC1-BM632w-8KA8WA1151100043"
	var d store.Device
	if a.do("GET", devPath(id), nil, &d); !d.Discovered || d.Model == "" {
		t.Fatalf("device %+v", d)
	}
	var ps []acsref.ParameterView
	a.do("GET", devPath(id)+"/parameters", nil, &ps)
	stored := map[string]acsref.ParameterView{}
	for _, p := range ps {
		stored[p.Name] = p
	}
	names := regexp.MustCompile(`<Name>([^<]*)</Name>`).FindAllStringSubmatch(gpn.body, -1)
	if len(names) != 930 || len(wantValue) != 731 {
		t.Fatalf("capture: %d names, %d values", len(names), len(wantValue))
	}
	for _, n := range names {
		if _, ok := stored[n[1]]; !ok {
			t.Errorf("%s not stored", n[1])
		}
	}
	// The values of the default scope ("model": what the bound model
	// defines, vendor X_ parameters) are stored; a name outside it has
	// its non-standard finding and its value is left until asked.
	var conf acsref.Conformance
	a.do("GET", devPath(id)+"/conformance", nil, &conf)
	nonStandard := map[string]bool{}
	for _, f := range conf.Findings {
		if f.Rule == acsref.RuleNonStandard {
			nonStandard[f.Path] = true
		}
	}
	unread := 0
	for n, v := range wantValue {
		p := stored[n]
		if nonStandard[n] && p.Value == "" && p.Type == "" {
			unread++
			continue
		}
		if p.Value != v {
			t.Errorf("%s = %q, want %q", n, p.Value, v)
		}
	}
	if unread == 0 {
		t.Error("every value was read: the discovery's scope left none outside the model")
	}
	t.Logf("%d values outside the model left until asked", unread)
	var ts []store.Task
	a.do("GET", devPath(id)+"/tasks", nil, &ts)
	for _, tk := range ts {
		if tk.Status != store.TaskDone {
			t.Errorf("task %d %s: %s %s", tk.ID, tk.Name, tk.Status, tk.FaultString)
		}
	}
	t.Logf("%d names, %d values in %d GetParameterValues", len(names), len(wantValue), gpvs)
}
