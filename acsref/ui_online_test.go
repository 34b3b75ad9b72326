package acsref_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// TestOnlineByPeriodicInterval: a device is online when its last Inform
// is within two of its own periodic inform intervals and a minute, and,
// when the interval is unknown or periodic informs are off, within an
// hour; the NBI's device list (?online=) and the UI (overview count,
// devices page filter and column) say the same.
func TestOnlineByPeriodicInterval(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), nil)
	now := time.Now().UTC()
	mkRoot := func(root, sn string, ago time.Duration, params map[string]string) {
		d := &store.Device{ID: "00D09E-OnBox-" + sn, OUI: "00D09E", ProductClass: "OnBox", SerialNumber: sn, Root: root, Model: "Device:2.19",
			FirstSeen: now.Add(-48 * time.Hour), LastInform: now.Add(-ago)}
		if root == "InternetGatewayDevice." {
			d.Model = "InternetGatewayDevice:1.14"
		}
		b := &store.Batch{Device: d}
		for n, v := range params {
			b.Parameters = append(b.Parameters, store.Parameter{Name: root + "ManagementServer." + n, Value: v, Type: "xsd:string", Updated: now, HasValue: true})
		}
		if err := a.st.Commit(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(sn string, ago time.Duration, params map[string]string) { mkRoot("Device.", sn, ago, params) }
	interval := func(s string) map[string]string {
		return map[string]string{"PeriodicInformEnable": "true", "PeriodicInformInterval": s}
	}
	mk("FAST-LATE", 4*time.Minute, interval("60"))    // 2×60 s + 1 min passed: offline (the hour rule: online)
	mk("DAILY", 3*time.Hour, interval("86400"))       // within 2 days: online (the hour rule: offline)
	mk("UNKNOWN-RECENT", 30*time.Minute, nil)         // no interval: the hour
	mk("UNKNOWN-OLD", 2*time.Hour, nil)               // no interval: the hour
	mk("DISABLED", 30*time.Minute, map[string]string{ // periodic informs off: the hour
		"PeriodicInformEnable": "false", "PeriodicInformInterval": "60"})
	mk("FIVE-MIN", time.Minute, interval("300"))
	mkRoot("InternetGatewayDevice.", "IGD-DAILY", 3*time.Hour, interval("86400")) // TR-098: its root's interval
	mkRoot("InternetGatewayDevice.", "IGD-FAST-LATE", 4*time.Minute, interval("60"))

	ids := func(query string) []string {
		t.Helper()
		var ds []store.Device
		code, body := nbiCall(t, "GET", a.nbi+"/devices?"+query, "", bearer(a.tok))
		if code != http.StatusOK || json.Unmarshal([]byte(body), &ds) != nil {
			t.Fatalf("GET /devices?%s: %d %s", query, code, body)
		}
		var out []string
		for _, d := range ds {
			out = append(out, strings.TrimPrefix(d.ID, "00D09E-OnBox-"))
		}
		slices.Sort(out)
		return out
	}
	if got, want := ids("online=true"), []string{"DAILY", "DISABLED", "FIVE-MIN", "IGD-DAILY", "UNKNOWN-RECENT"}; !slices.Equal(got, want) {
		t.Errorf("online: %q, want %q", got, want)
	}
	if got, want := ids("online=false"), []string{"FAST-LATE", "IGD-FAST-LATE", "UNKNOWN-OLD"}; !slices.Equal(got, want) {
		t.Errorf("offline: %q, want %q", got, want)
	}
	if got := ids("online=true&limit=2"); len(got) != 2 {
		t.Errorf("online with limit 2: %q", got)
	}
	if code, body := nbiCall(t, "GET", a.nbi+"/devices?online=yes", "", bearer(a.tok)); code != http.StatusBadRequest || !strings.Contains(body, "online") {
		t.Errorf("online=yes: %d %s", code, body)
	}

	a.mkUser(t, "op", store.RoleOperator, "")
	u := newUIClient(t, a)
	u.login("op", "pw-op-long")
	if _, ov := u.do("GET", "/ui/", nil, nil); !strings.Contains(ov, `<span id="online-count">5</span>`) {
		t.Errorf("overview's online count:\n%s", ov)
	}
	_, page := u.do("GET", "/ui/devices?online=offline", nil, nil)
	if !strings.Contains(page, `<span id="total">3</span>`) || !strings.Contains(page, "FAST-LATE") || strings.Contains(page, "DAILY") ||
		strings.Count(page, `<td class="offline">offline</td>`) != 3 {
		t.Errorf("devices page, offline:\n%s", page)
	}
	if _, page := u.do("GET", "/ui/devices?productClass=OnBox", nil, nil); strings.Count(page, `<td class="online">online</td>`) != 5 {
		t.Errorf("devices page's status column:\n%s", page)
	}
}
