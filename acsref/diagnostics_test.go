package acsref_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// udpEcho is a UDP echo server on 127.0.0.1 that counts what it echoes.
func udpEcho(t *testing.T) (port int, echoed *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	echoed = new(atomic.Int64)
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			echoed.Add(1)
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).Port, echoed
}

// diagnose runs a diagnostic through the NBI and waits for its end.
func (l *confLab) diagnose(t *testing.T, req acsref.DiagnosticRequest) acsref.Diagnostic {
	t.Helper()
	var d acsref.Diagnostic
	if code := l.a.do("POST", devPath(l.id)+"/diagnostics", req, &d); code != http.StatusAccepted || d.ID == "" {
		t.Fatalf("POST diagnostics %+v: HTTP %d %+v", req, code, d)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var cur acsref.Diagnostic
		if code := l.a.do("GET", devPath(l.id)+"/diagnostics/"+d.ID, nil, &cur); code != http.StatusOK {
			t.Fatalf("GET diagnostic: HTTP %d", code)
		}
		if cur.State != acsref.DiagRunning {
			return cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("diagnostic %s still running after 60s", req.Type)
		}
	}
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// TestDiagnostics: each diagnostic the simulated CPE implements runs end
// to end on TR-181 and TR-098 — model-checked set-up, DiagnosticsState
// Requested, 8 DIAGNOSTICS COMPLETE, results read and typed by the model
// through the NBI: UDP echo against an echo server on 127.0.0.1, HTTP
// download of a file the ACS serves, HTTP upload to a sink on 127.0.0.1,
// ping and server selection simulated (loopback answers).
func TestDiagnostics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts labs")
	}
	port, echoed := udpEcho(t)
	var uploaded atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		uploaded.Add(n)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	for _, tc := range []struct {
		name   string
		schema *model.Schema
	}{{"tr181", tr181.Schema}, {"tr098", tr098.Schema}} {
		t.Run(tc.name, func(t *testing.T) {
			l := startConfLab(t, tc.schema, "DIAG"+tc.name, cpe.Quirks{})
			if code := l.a.do("PUT", "/files/diag.bin", strings.Repeat("d", 100_000), nil); code != http.StatusCreated {
				t.Fatalf("PUT file: %d", code)
			}
			d := l.diagnose(t, acsref.DiagnosticRequest{Type: "IPPing", Parameters: map[string]any{"Host": "127.0.0.1", "NumberOfRepetitions": 3, "Timeout": 1000}})
			if d.State != acsref.DiagComplete || d.DiagnosticsState != "Complete" || num(d.Results["SuccessCount"]) != 3 || num(d.Results["FailureCount"]) != 0 {
				t.Errorf("IPPing: %+v", d)
			}
			if _, isNum := d.Results["AverageResponseTime"].(float64); !isNum || !strings.HasSuffix(d.Object, "Ping.") && !strings.HasSuffix(d.Object, "PingDiagnostics.") {
				t.Errorf("IPPing results are not typed: %#v", d.Results)
			}
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "IPPing", Parameters: map[string]any{"Host": "no-such-host.invalid"}})
			if d.State != acsref.DiagFailed || d.DiagnosticsState != "Error_CannotResolveHostName" {
				t.Errorf("IPPing of an unknown host: %+v", d)
			}
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "DownloadDiagnostics", Parameters: map[string]any{"DownloadURL": l.a.srv.CWMPURL() + "files/diag.bin"}})
			if d.State != acsref.DiagComplete || num(d.Results["TestBytesReceived"]) != 100_000 {
				t.Errorf("download: %+v", d)
			}
			rom, err1 := time.Parse(time.RFC3339Nano, d.Results["ROMTime"].(string))
			eom, err2 := time.Parse(time.RFC3339Nano, d.Results["EOMTime"].(string))
			if err1 != nil || err2 != nil || eom.Before(rom) || rom.Before(d.Requested.Add(-time.Second)) {
				t.Errorf("download times %v %v: %v %v", rom, eom, err1, err2)
			}
			before := uploaded.Load()
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "UploadDiagnostics", Parameters: map[string]any{"UploadURL": sink.URL + "/up", "TestFileLength": 50_000}})
			if d.State != acsref.DiagComplete || num(d.Results["TotalBytesSent"]) != 50_000 || uploaded.Load()-before != 50_000 {
				t.Errorf("upload: %+v (sink got %d)", d, uploaded.Load()-before)
			}
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "TraceRoute", Parameters: map[string]any{"Host": "127.0.0.1", "NumberOfTries": 2}})
			hopHost := "RouteHops.1.Host"
			if tc.name == "tr098" {
				hopHost = "RouteHops.1.HopHost"
			}
			if d.State != acsref.DiagComplete || num(d.Results["RouteHopsNumberOfEntries"]) != 1 || d.Results[hopHost] != "127.0.0.1" {
				t.Errorf("TraceRoute: %+v", d)
			}
			if tc.name != "tr181" {
				var e acsref.RuleError
				if code := l.a.do("POST", devPath(l.id)+"/diagnostics", `{"type":"UDPEcho","parameters":{"Host":"127.0.0.1"}}`, &e); code != http.StatusBadRequest || !strings.Contains(e.Msg, "not in InternetGatewayDevice") {
					t.Errorf("UDPEcho on TR-098: %d %+v", code, e)
				}
				return
			}
			n0 := echoed.Load()
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "UDPEcho", Parameters: map[string]any{"Host": "127.0.0.1", "Port": port, "NumberOfRepetitions": 4, "Timeout": 1000}})
			if d.State != acsref.DiagComplete || num(d.Results["SuccessCount"]) != 4 || echoed.Load()-n0 != 4 {
				t.Errorf("UDPEcho: %+v (echoed %d)", d, echoed.Load()-n0)
			}
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "ServerSelection", Parameters: map[string]any{"HostList": "no-such-host.invalid,127.0.0.1", "Protocol": "ICMP"}})
			if d.State != acsref.DiagComplete || d.Results["FastestHost"] != "127.0.0.1" {
				t.Errorf("ServerSelection: %+v", d)
			}
			d = l.diagnose(t, acsref.DiagnosticRequest{Type: "NeighboringWiFiDiagnostic"})
			if d.State != acsref.DiagComplete || num(d.Results["ResultNumberOfEntries"]) != 2 || d.Results["Result.2.OperatingFrequencyBand"] != "5GHz" || num(d.Results["Result.1.SignalStrength"]) != -58 {
				t.Errorf("NeighboringWiFiDiagnostic: %+v", d)
			}
			// Every result the simulator wrote conforms to the model: no
			// value finding on them. (Its untouched defaults are another
			// matter: many break their enumerations and ranges.)
			var conf struct {
				Findings []struct{ Path, Rule, Message string }
			}
			l.a.do("GET", devPath(l.id)+"/conformance", nil, &conf)
			written := []string{"DiagnosticsState", "SuccessCount", "FailureCount", "ResponseTime", "FastestHost", "TestBytes", "TotalBytes",
				"ROMTime", "BOMTime", "EOMTime", "TCPOpen", "IPAddressUsed", "NumberOfEntries", "RouteHops.", "Result."}
			for _, f := range conf.Findings {
				ran := strings.Contains(f.Path, ".IPPing.") || strings.Contains(f.Path, "UDPEcho") || strings.Contains(f.Path, "DownloadDiagnostics.") ||
					strings.Contains(f.Path, "UploadDiagnostics.") || strings.Contains(f.Path, "ServerSelection") || strings.Contains(f.Path, "TraceRoute.") ||
					strings.Contains(f.Path, "NeighboringWiFiDiagnostic.")
				for _, w := range written {
					if ran && strings.Contains(f.Path, w) {
						t.Errorf("finding on a diagnostic's result: %+v", f)
						break
					}
				}
			}
			// The model checks the parameters before anything is sent.
			for body, want := range map[string]string{
				`{"type":"IPPing","parameters":{"NumberOfRepetitions":0}}`:       "NumberOfRepetitions",
				`{"type":"IPPing","parameters":{"Colour":"blue"}}`:               "no such parameter",
				`{"type":"IPPing","parameters":{"DiagnosticsState":"Complete"}}`: "sets DiagnosticsState itself",
				`{"type":"IPPing","parameters":{"SuccessCount":3}}`:              "read-only",
				`{"type":"Telepathy"}`: "unknown diagnostic type",
			} {
				var e acsref.RuleError
				if code := l.a.do("POST", devPath(l.id)+"/diagnostics", body, &e); code != http.StatusBadRequest || !strings.Contains(e.Path+" "+e.Rule+" "+e.Msg, want) {
					t.Errorf("%s: HTTP %d %+v", body, code, e)
				}
			}
			var list []acsref.Diagnostic
			if code := l.a.do("GET", devPath(l.id)+"/diagnostics", nil, &list); code != http.StatusOK || len(list) != 8 {
				t.Errorf("list: %d, %d diagnostics", code, len(list))
			}
		})
	}
}
