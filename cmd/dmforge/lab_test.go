package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// curlCmd is one example command the lab prints.
type curlCmd struct {
	method, url, body string
	header            http.Header
}

// parseCurls reads the "curl ..." example lines (with "\" continuations
// and single-quoted arguments, as the lab prints them).
func parseCurls(text string) []curlCmd {
	text = strings.ReplaceAll(text, "\\\n", " ")
	var out []curlCmd
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		if i := strings.Index(line, "   #"); i >= 0 {
			line = line[:i]
		}
		var args []string
		for rest := line; rest != ""; {
			rest = strings.TrimLeft(rest, " ")
			if rest == "" {
				break
			}
			if rest[0] == '\'' {
				end := strings.IndexByte(rest[1:], '\'') + 1
				args = append(args, rest[1:end])
				rest = rest[end+1:]
				continue
			}
			end := strings.IndexByte(rest, ' ')
			if end < 0 {
				end = len(rest)
			}
			args = append(args, rest[:end])
			rest = rest[end:]
		}
		c := curlCmd{method: http.MethodGet, header: http.Header{}}
		for i := 1; i < len(args); i++ {
			switch args[i] {
			case "-s":
			case "-X":
				i++
				c.method = args[i]
			case "-H":
				i++
				k, v, _ := strings.Cut(args[i], ":")
				c.header.Set(k, strings.TrimSpace(v))
			case "-d", "--data-binary":
				i++
				c.body = args[i]
				if c.method == http.MethodGet {
					c.method = http.MethodPost
				}
			default:
				c.url = args[i]
			}
		}
		out = append(out, c)
	}
	return out
}

// TestLab runs the whole lab on loopback ports — the ACS and two CPEs of
// each standard model, every session succeeding — and runs the example
// commands it prints, as a user would paste them.
func TestLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	o := labOptions{dir: t.TempDir(), cwmpAddr: "127.0.0.1:0", nbiAddr: "127.0.0.1:0", crAddr: "127.0.0.1:0", count: 2, periodic: time.Hour}
	labCtx, stopLab := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runLab(labCtx, o, out, errOut) }()

	var cmds []curlCmd
	for len(cmds) == 0 {
		if ctx.Err() != nil {
			t.Fatalf("the lab printed no example commands:\n%s\n%s", out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
		if text := out.String(); strings.Contains(text, "Ctrl-C stops the lab.") {
			cmds = parseCurls(text)
		}
	}
	if len(cmds) < 8 {
		t.Fatalf("parsed %d example commands: %+v", len(cmds), cmds)
	}
	// The NBI requires the key the examples carry.
	for _, c := range cmds {
		if !strings.HasPrefix(c.header.Get("Authorization"), "Bearer dmf_") {
			t.Fatalf("example without the API key: %+v", c)
		}
	}
	if resp, err := http.Get(cmds[0].url); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the lab's NBI without the key: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	do := func(c curlCmd) (int, []byte) {
		req, err := http.NewRequestWithContext(ctx, c.method, c.url, strings.NewReader(c.body))
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		for k, v := range c.header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// The first command lists the devices: wait until every CPE has
	// informed once.
	for {
		code, body := do(cmds[0])
		var devs []json.RawMessage
		if code == http.StatusOK && json.Unmarshal(body, &devs) == nil && len(devs) == 8 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("devices never all informed: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var duTask int64
	for _, c := range cmds[1:] {
		code, body := do(c)
		want := http.StatusOK
		switch {
		case c.method == http.MethodPut:
			want = http.StatusCreated
		case strings.Contains(c.body, "Device.DeviceInfo.Manufacturer"):
			want = http.StatusBadRequest // the example of a refused task
		case c.method == http.MethodPost:
			want = http.StatusAccepted
		}
		if code != want {
			t.Errorf("%s %s %s: HTTP %d %s, want %d", c.method, c.url, c.body, code, body, want)
			continue
		}
		if strings.Contains(c.url, "connection_request") && !strings.Contains(string(body), `"connectionRequest": "ok"`) &&
			!strings.Contains(string(body), `"connectionRequest":"ok"`) {
			t.Errorf("%s: connection request failed: %s", c.url, body)
		}
		if strings.Contains(c.body, "changeDUState") {
			var tk struct{ ID int64 }
			json.Unmarshal(body, &tk)
			duTask = tk.ID
		}
	}
	if duTask == 0 {
		t.Fatal("no changeDUState example")
	}
	// The ChangeDUState example completes: installed on the CPE, reported
	// in DUStateChangeComplete.
	nbi := cmds[0].url[:strings.Index(cmds[0].url, "/devices")]
	for {
		_, body := do(curlCmd{method: http.MethodGet, url: nbi + "/tasks/" + itoa(duTask), header: cmds[0].header})
		var tk struct {
			Status string
			Result json.RawMessage
		}
		json.Unmarshal(body, &tk)
		if tk.Status == "done" && strings.Contains(string(tk.Result), "Installed") {
			break
		}
		if tk.Status == "fault" || ctx.Err() != nil {
			t.Fatalf("changeDUState example: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The probe example: the simulated CPE conforms to every check.
	for {
		_, body := do(curlCmd{method: http.MethodGet, header: cmds[0].header, url: nbi + "/devices/" + strings.Split(strings.SplitAfter(cmds[1].url, "/devices/")[1], "/")[0] + "/probe"})
		var rep struct{ Conforming, NonConforming, Pending int }
		json.Unmarshal(body, &rep)
		if rep.Pending == 0 && rep.Conforming > 0 {
			if rep.NonConforming != 0 {
				t.Fatalf("the simulated CPE fails the probe: %s", body)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("probe example: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopLab()
	if err := <-done; err != nil {
		t.Fatalf("lab: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, model := range []string{"Device:2.19", "InternetGatewayDevice:1.14", "VoiceService:2.0", "STBService:1.4"} {
		if !strings.Contains(text, model+" CPEs: ") || !strings.Contains(text[strings.Index(text, model+" CPEs: "):], ", 0 failed") {
			t.Errorf("%s: want sessions ok and none failed:\n%s", model, text)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestLabTLS: with --tls the CWMP endpoint is HTTPS and every simulated
// CPE's sessions succeed over it.
func TestLabTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	o := labOptions{dir: t.TempDir(), cwmpAddr: "127.0.0.1:0", nbiAddr: "127.0.0.1:0", crAddr: "127.0.0.1:0", count: 2, periodic: time.Hour, tls: true}
	if err := runLab(ctx, o, out, errOut); err != nil {
		t.Fatalf("lab: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	if !strings.Contains(text, "CWMP endpoint  https://127.0.0.1:") || !strings.Contains(text, "acs-cert.pem") {
		t.Fatalf("not an HTTPS lab:\n%s", text)
	}
	for _, model := range []string{"Device:2.19", "InternetGatewayDevice:1.14", "VoiceService:2.0", "STBService:1.4"} {
		if !strings.Contains(text, model+" CPEs: 2 sessions ok, 0 failed") {
			t.Errorf("%s: want 2 sessions ok and none failed:\n%s", model, text)
		}
	}
}

// TestLabSTUN: with --stun the ACS runs a STUN server, the simulated
// CPEs of Device:2 and InternetGatewayDevice:1 have no HTTP
// connection-request listener, and a task's connection request reaches
// them over UDP.
func TestLabSTUN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	o := labOptions{dir: t.TempDir(), cwmpAddr: "127.0.0.1:0", nbiAddr: "127.0.0.1:0", crAddr: "127.0.0.1:0", count: 1, periodic: time.Hour, stun: true}
	done := make(chan error, 1)
	go func() { done <- runLab(ctx, o, out, errOut) }()
	var nbi, key string
	for nbi == "" || key == "" {
		select {
		case err := <-done:
			t.Fatalf("lab ended: %v\n%s\n%s", err, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "NBI" && strings.Contains(out.String(), "STUN server 127.0.0.1:") {
				nbi = f[1]
			}
			if f := strings.Fields(l); len(f) >= 3 && f[0] == "API" && f[1] == "key" {
				key = f[2] // the NBI requires it
			}
		}
	}
	post := func(path, body string, v any) {
		req, _ := http.NewRequest("POST", nbi+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	for _, dev := range []string{"00D09E-LabGateway-TR181%252D0", "00D09E-LabIGD-TR098%252D0"} {
		var task struct {
			ID                int64
			ConnectionRequest string
		}
		for deadline := time.Now().Add(20 * time.Second); task.ID == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			post("/devices/"+dev+"/tasks?connection_request", `{"name":"getRPCMethods"}`, &task) // 404 until the device informed
		}
		if task.ConnectionRequest != "sent (UDP)" {
			t.Fatalf("%s: connection request %q", dev, task.ConnectionRequest)
		}
		status := ""
		for deadline := time.Now().Add(20 * time.Second); status != "done" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			req, _ := http.NewRequest("GET", nbi+"/tasks/"+itoa(task.ID), nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var tk struct{ Status string }
			_ = json.NewDecoder(resp.Body).Decode(&tk)
			resp.Body.Close()
			status = tk.Status
		}
		if status != "done" {
			t.Fatalf("%s: task %s", dev, status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
