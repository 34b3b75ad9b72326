package cpe

// TR-143 diagnostics of the simulated CPE. A SetParameterValues that sets
// a diagnostic's DiagnosticsState to "Requested" runs it after the
// session; the results are written to the diagnostic's object, its
// DiagnosticsState becomes Complete (or an Error_ value of its
// enumeration), and the next session carries 8 DIAGNOSTICS COMPLETE.
//
// What runs for real, on whatever address it is given (tests and labs
// use 127.0.0.1): UDPEchoDiagnostics (UDP echo requests and their
// answers), DownloadDiagnostics (an HTTP GET of DownloadURL) and
// UploadDiagnostics (an HTTP PUT of TestFileLength bytes to UploadURL).
// IPPing, TraceRoute and ServerSelectionDiagnostics are simulated without
// raw sockets: a host that resolves to a loopback address answers every
// echo (in the time a local UDP round trip takes) and is one hop away,
// any other host answers none, and a name that does not resolve is
// Error_CannotResolveHostName. NeighboringWiFiDiagnostic reports two
// made-up neighbouring networks.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// diagnosticKinds maps the last segment of a diagnostic object's path
// (TR-181 and TR-098 names) to its runner.
var diagnosticKinds = map[string]func(a *Agent, ctx context.Context, obj string) (state string, results map[string]string){
	"IPPing":                     (*Agent).diagPing,
	"IPPingDiagnostics":          (*Agent).diagPing,
	"UDPEchoDiagnostics":         (*Agent).diagUDPEcho,
	"DownloadDiagnostics":        (*Agent).diagDownload,
	"UploadDiagnostics":          (*Agent).diagUpload,
	"ServerSelectionDiagnostics": (*Agent).diagServerSelection,
	"TraceRoute":                 (*Agent).diagTraceRoute,
	"TraceRouteDiagnostics":      (*Agent).diagTraceRoute,
	"NeighboringWiFiDiagnostic":  (*Agent).diagNeighboringWiFi,
}

// diagnosticsRequested starts, after the session, each diagnostic whose
// DiagnosticsState the ACS set to Requested.
func (a *Agent) diagnosticsRequested(values []cwmp.ParameterValueStruct) {
	for _, v := range values {
		obj, ok := strings.CutSuffix(v.Name, "DiagnosticsState")
		if !ok || v.Value != "Requested" || !strings.HasSuffix(obj, ".") {
			continue
		}
		seg := obj[strings.LastIndexByte(strings.TrimSuffix(obj, "."), '.')+1 : len(obj)-1]
		run, ok := diagnosticKinds[seg]
		if !ok {
			continue // a diagnostic the simulator does not run stays Requested
		}
		a.defer1(func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			state, results := run(a, ctx, obj)
			a.finishDiagnostic(obj, state, results)
		})
	}
}

// finishDiagnostic writes a diagnostic's results (those its model
// defines) and state, and queues 8 DIAGNOSTICS COMPLETE.
func (a *Agent) finishDiagnostic(obj, state string, results map[string]string) {
	var vals []model.ParameterValue
	for rel, v := range results {
		if _, ok := a.cfg.Schema.Lookup(obj + rel); ok {
			vals = append(vals, model.ParameterValue{Name: obj + rel, Value: v})
		}
	}
	vals = append(vals, model.ParameterValue{Name: obj + "DiagnosticsState", Value: a.diagState(obj, state)})
	if err := a.cfg.Store.Set(vals); err != nil {
		a.logf("diagnostic %s: storing results: %v", obj, err)
		_ = a.cfg.Store.Set([]model.ParameterValue{{Name: obj + "DiagnosticsState", Value: a.diagState(obj, "Error_Internal")}})
	}
	if !a.cfg.Quirks.NoDiagnosticsComplete {
		a.Queue(cwmp.EventStruct{EventCode: cwmp.EventDiagnosticsComplete})
		a.wakeUp()
	}
}

// diagState is state if the model's enumeration of DiagnosticsState
// has it, else the first of Error_Other, Error_Internal, Error it has.
func (a *Agent) diagState(obj, state string) string {
	e, ok := a.cfg.Schema.Lookup(obj + "DiagnosticsState")
	if !ok || e.Syntax == nil || len(e.Syntax.Enums) == 0 {
		return state
	}
	has := func(v string) bool {
		return slices.ContainsFunc(e.Syntax.Enums, func(x model.Enum) bool { return x.Value == v })
	}
	for _, s := range []string{state, "Error_Other", "Error_Internal", "Error"} {
		if has(s) {
			return s
		}
	}
	return state
}

func (a *Agent) diagUint(obj, rel string, def, lo, hi uint64) uint64 {
	v, err := strconv.ParseUint(a.get(strings.TrimPrefix(obj, a.ix.root)+rel), 10, 64)
	if err != nil || v == 0 {
		v = def
	}
	return min(max(v, lo), hi)
}

func (a *Agent) diagGet(obj, rel string) string {
	return a.get(strings.TrimPrefix(obj, a.ix.root) + rel)
}

// inUnits renders a duration in the units of a result parameter
// (microseconds for the *Detailed ones and where the model says so,
// else milliseconds).
func (a *Agent) inUnits(param string, d time.Duration) string {
	if e, ok := a.cfg.Schema.Lookup(param); ok && e.Syntax != nil && strings.HasPrefix(e.Syntax.Units, "micro") || strings.HasSuffix(param, "Detailed") {
		return strconv.FormatInt(d.Microseconds(), 10)
	}
	return strconv.FormatInt(d.Milliseconds(), 10)
}

// resolve finds the host's addresses; false when it does not resolve.
func resolve(ctx context.Context, host string) ([]net.IP, bool) {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IP{ip}, true
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return nil, false
	}
	ips := make([]net.IP, len(addrs))
	for i, ad := range addrs {
		ips[i] = ad.IP
	}
	return ips, true
}

// loopbackRTT is the time of one UDP round trip through the loopback
// interface: what a simulated echo to a local host takes.
func loopbackRTT() time.Duration {
	a, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 50 * time.Microsecond
	}
	defer a.Close()
	b, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 50 * time.Microsecond
	}
	defer b.Close()
	start := time.Now()
	buf := make([]byte, 64)
	_ = b.SetDeadline(time.Now().Add(time.Second))
	_ = a.SetDeadline(time.Now().Add(time.Second))
	if _, err := a.WriteTo([]byte("ping"), b.LocalAddr()); err != nil {
		return 50 * time.Microsecond
	}
	if _, from, err := b.ReadFrom(buf); err == nil {
		_, _ = b.WriteTo([]byte("pong"), from)
		_, _, _ = a.ReadFrom(buf)
	}
	return max(time.Since(start), time.Microsecond)
}

// pingStats are the results every echo-style diagnostic shares.
func (a *Agent) pingStats(obj string, rtts []time.Duration, failures int) map[string]string {
	res := map[string]string{"SuccessCount": strconv.Itoa(len(rtts)), "FailureCount": strconv.Itoa(failures)}
	var sum, lo, hi time.Duration
	for i, d := range rtts {
		sum += d
		if i == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	var avg time.Duration
	if len(rtts) > 0 {
		avg = sum / time.Duration(len(rtts))
	}
	for _, p := range []struct {
		name string
		d    time.Duration
	}{{"AverageResponseTime", avg}, {"MinimumResponseTime", lo}, {"MaximumResponseTime", hi}} {
		res[p.name] = a.inUnits(obj+p.name, p.d)
		res[p.name+"Detailed"] = strconv.FormatInt(p.d.Microseconds(), 10)
	}
	return res
}

// simulatedEcho answers n echoes to a host: each succeeds when it
// resolves to a loopback address.
func simulatedEcho(ctx context.Context, host string, n int) (rtts []time.Duration, failures int, resolved bool, used string) {
	ips, ok := resolve(ctx, host)
	if !ok {
		return nil, n, false, ""
	}
	if !ips[0].IsLoopback() {
		return nil, n, true, ips[0].String()
	}
	for range n {
		rtts = append(rtts, loopbackRTT())
	}
	return rtts, 0, true, ips[0].String()
}

func (a *Agent) diagPing(ctx context.Context, obj string) (string, map[string]string) {
	n := int(a.diagUint(obj, "NumberOfRepetitions", 1, 1, 1000))
	rtts, failures, ok, _ := simulatedEcho(ctx, a.diagGet(obj, "Host"), n)
	if !ok {
		return "Error_CannotResolveHostName", nil
	}
	return "Complete", a.pingStats(obj, rtts, failures)
}

func (a *Agent) diagServerSelection(ctx context.Context, obj string) (string, map[string]string) {
	n := int(a.diagUint(obj, "NumberOfRepetitions", 1, 1, 100))
	best, bestAvg := "", time.Duration(0)
	var bestRTTs []time.Duration
	resolvedAny := false
	for h := range strings.SplitSeq(a.diagGet(obj, "HostList"), ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		rtts, _, ok, _ := simulatedEcho(ctx, h, n)
		resolvedAny = resolvedAny || ok
		if len(rtts) == 0 {
			continue
		}
		var sum time.Duration
		for _, d := range rtts {
			sum += d
		}
		if avg := sum / time.Duration(len(rtts)); best == "" || avg < bestAvg {
			best, bestAvg, bestRTTs = h, avg, rtts
		}
	}
	if !resolvedAny {
		return "Error_CannotResolveHostName", nil
	}
	if best == "" {
		return "Error_Other", nil
	}
	res := a.pingStats(obj, bestRTTs, 0)
	res["FastestHost"] = best
	return "Complete", res
}

func (a *Agent) diagUDPEcho(ctx context.Context, obj string) (string, map[string]string) {
	host := a.diagGet(obj, "Host")
	ips, ok := resolve(ctx, host)
	if !ok {
		return "Error_CannotResolveHostName", nil
	}
	port := a.diagUint(obj, "Port", 7, 1, 65535)
	n := int(a.diagUint(obj, "NumberOfRepetitions", 1, 1, 1000))
	timeout := time.Duration(a.diagUint(obj, "Timeout", 1000, 1, 60_000)) * time.Millisecond
	gap := time.Duration(a.diagUint(obj, "InterTransmissionTime", 0, 0, 10_000)) * time.Millisecond
	size := int(a.diagUint(obj, "DataBlockSize", 24, 1, 65000))
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: ips[0], Port: int(port)})
	if err != nil {
		return "Error_Other", nil
	}
	defer conn.Close()
	var rtts []time.Duration
	failures := 0
	buf := make([]byte, size+64)
	for i := range n {
		if i > 0 && gap > 0 && a.sleep(ctx, gap) != nil {
			break
		}
		payload := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		copy(payload, fmt.Sprintf("%08d", i))
		start := time.Now()
		if _, err := conn.Write(payload); err != nil {
			failures++
			continue
		}
		_ = conn.SetReadDeadline(start.Add(timeout))
		got := false
		for !got {
			m, err := conn.Read(buf)
			if err != nil {
				break
			}
			got = bytes.Equal(buf[:m], payload) // a late answer to an earlier echo is not this one's
		}
		if got {
			rtts = append(rtts, time.Since(start))
		} else {
			failures++
		}
	}
	res := a.pingStats(obj, rtts, failures)
	res["IPAddressUsed"] = localAddr(conn.LocalAddr())
	return "Complete", res
}

func localAddr(ad net.Addr) string {
	if u, ok := ad.(*net.UDPAddr); ok {
		return u.IP.String()
	}
	if t, ok := ad.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	return ""
}

// transferTimes traces an HTTP request: TCP open request and response,
// request sent (ROM), first byte (BOM).
type transferTimes struct {
	tcpReq, tcpResp, rom, bom time.Time
	local                     string
}

func (tt *transferTimes) trace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		ConnectStart: func(string, string) { tt.tcpReq = time.Now() },
		ConnectDone:  func(string, string, error) { tt.tcpResp = time.Now() },
		GotConn: func(i httptrace.GotConnInfo) {
			if tt.rom.IsZero() {
				tt.rom = time.Now()
			}
			tt.local = localAddr(i.Conn.LocalAddr())
		},
		GotFirstResponseByte: func() { tt.bom = time.Now() },
	})
}

func isoMicro(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func (tt *transferTimes) results(eom time.Time) map[string]string {
	return map[string]string{"ROMTime": isoMicro(tt.rom), "BOMTime": isoMicro(tt.bom), "EOMTime": isoMicro(eom),
		"TCPOpenRequestTime": isoMicro(tt.tcpReq), "TCPOpenResponseTime": isoMicro(tt.tcpResp), "IPAddressUsed": tt.local}
}

// transferState maps an HTTP transfer error to a TR-143 state.
func transferState(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		return "Error_CannotResolveHostName"
	case errors.As(err, &op) && op.Op == "dial":
		return "Error_InitConnectionFailed"
	case errors.Is(err, context.DeadlineExceeded):
		return "Error_Timeout"
	}
	return "Error_TransferFailed"
}

func (a *Agent) diagDownload(ctx context.Context, obj string) (string, map[string]string) {
	var tt transferTimes
	req, err := http.NewRequestWithContext(tt.trace(ctx), http.MethodGet, a.diagGet(obj, "DownloadURL"), nil)
	if err != nil {
		return "Error_InitConnectionFailed", nil
	}
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := (&http.Client{Transport: a.cfg.Transport, Timeout: time.Minute}).Do(req)
	if err != nil {
		return transferState(err), nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "Error_NoResponse", nil
	}
	n, err := io.Copy(io.Discard, resp.Body)
	eom := time.Now()
	if err != nil {
		return "Error_TransferFailed", nil
	}
	res := tt.results(eom)
	res["TestBytesReceived"] = strconv.FormatInt(n, 10)
	res["TotalBytesReceived"] = strconv.FormatInt(n, 10)
	return "Complete", res
}

func (a *Agent) diagUpload(ctx context.Context, obj string) (string, map[string]string) {
	size := int64(a.diagUint(obj, "TestFileLength", 1024, 1, 64<<20))
	var tt transferTimes
	req, err := http.NewRequestWithContext(tt.trace(ctx), http.MethodPut, a.diagGet(obj, "UploadURL"), io.LimitReader(zeroReader{}, size))
	if err != nil {
		return "Error_InitConnectionFailed", nil
	}
	req.ContentLength = size
	resp, err := (&http.Client{Transport: a.cfg.Transport, Timeout: time.Minute}).Do(req)
	if err != nil {
		return transferState(err), nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	eom := time.Now()
	if resp.StatusCode/100 != 2 {
		return "Error_NoResponse", nil
	}
	res := tt.results(eom)
	res["TestBytesSent"] = strconv.FormatInt(size, 10)
	res["TotalBytesSent"] = strconv.FormatInt(size, 10)
	return "Complete", res
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// clearTable deletes every instance of a table (the results of an
// earlier run).
func (a *Agent) clearTable(table string) {
	for _, n := range a.cfg.Store.Instances(table) {
		_ = a.cfg.Store.DeleteInstance(table + strconv.FormatUint(uint64(n), 10) + ".")
	}
}

// diagTraceRoute is simulated: a host that resolves to a loopback
// address is one hop away; any other is beyond MaxHopCount (no hop
// answers without raw sockets).
func (a *Agent) diagTraceRoute(ctx context.Context, obj string) (string, map[string]string) {
	host := a.diagGet(obj, "Host")
	ips, ok := resolve(ctx, host)
	table := obj + "RouteHops."
	a.clearTable(table)
	if !ok {
		return "Error_CannotResolveHostName", map[string]string{"RouteHopsNumberOfEntries": "0"}
	}
	if !ips[0].IsLoopback() {
		return "Error_MaxHopCountExceeded", map[string]string{"RouteHopsNumberOfEntries": "0"}
	}
	tries := int(a.diagUint(obj, "NumberOfTries", 3, 1, 3))
	var rtts []string
	var total time.Duration
	for range tries {
		d := loopbackRTT()
		total += d
		rtts = append(rtts, strconv.FormatInt(d.Milliseconds(), 10))
	}
	n, err := a.cfg.Store.AddInstance(table)
	if err != nil {
		return "Error_Internal", nil
	}
	hop := "RouteHops." + strconv.FormatUint(uint64(n), 10) + "."
	res := map[string]string{"ResponseTime": a.inUnits(obj+"ResponseTime", total/time.Duration(tries)), "RouteHopsNumberOfEntries": "1"}
	// TR-181 names the hop's parameters Host…, TR-098 HopHost…: the
	// model's are kept (finishDiagnostic).
	for _, prefix := range []string{"", "Hop"} {
		res[hop+prefix+"Host"] = host
		res[hop+prefix+"HostAddress"] = ips[0].String()
		res[hop+prefix+"ErrorCode"] = "0"
		res[hop+prefix+"RTTimes"] = strings.Join(rtts, ",")
	}
	return "Complete", res
}

// neighbours are the networks the simulated radio "hears".
var neighbours = []map[string]string{
	{"SSID": "dmforge-neighbour-a", "BSSID": "02:00:5E:10:00:01", "Mode": "Infrastructure", "Channel": "6", "SignalStrength": "-58",
		"SecurityModeEnabled": "WPA2", "EncryptionMode": "AES", "OperatingFrequencyBand": "2.4GHz", "SupportedStandards": "b,g,n",
		"OperatingStandards": "n", "OperatingChannelBandwidth": "20MHz", "BeaconPeriod": "100", "Noise": "-95", "DTIMPeriod": "2"},
	{"SSID": "dmforge-neighbour-b", "BSSID": "02:00:5E:10:00:02", "Mode": "Infrastructure", "Channel": "36", "SignalStrength": "-71",
		"SecurityModeEnabled": "WPA3-SAE", "EncryptionMode": "AES", "OperatingFrequencyBand": "5GHz", "SupportedStandards": "a,n,ac",
		"OperatingStandards": "ac", "OperatingChannelBandwidth": "80MHz", "BeaconPeriod": "100", "Noise": "-92", "DTIMPeriod": "1"},
}

// diagNeighboringWiFi is simulated: two neighbouring networks, with
// values the model allows, on the device's first radio.
func (a *Agent) diagNeighboringWiFi(_ context.Context, obj string) (string, map[string]string) {
	table := obj + "Result."
	a.clearTable(table)
	radio := ""
	if rs := a.cfg.Store.Instances(a.ix.root + "WiFi.Radio."); len(rs) > 0 {
		radio = a.ix.root + "WiFi.Radio." + strconv.FormatUint(uint64(rs[0]), 10)
	}
	res := map[string]string{"ResultNumberOfEntries": strconv.Itoa(len(neighbours))}
	for _, nb := range neighbours {
		n, err := a.cfg.Store.AddInstance(table)
		if err != nil {
			return "Error_Internal", nil
		}
		p := "Result." + strconv.FormatUint(uint64(n), 10) + "."
		for k, v := range nb {
			if e, ok := a.cfg.Schema.Lookup(table + "{i}." + k); ok && e.Syntax != nil && model.CheckValue(e.Syntax, v) == nil {
				res[p+k] = v
			}
		}
		res[p+"Radio"] = radio
	}
	return "Complete", res
}
