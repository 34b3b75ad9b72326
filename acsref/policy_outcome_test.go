package acsref_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp"
)

// TestPolicyRPCWithoutUsableAnswer: a policy RPC the CPE answers with
// bytes that cannot be decoded, or does not answer before the session
// times out, faults the policy on that device with the reason and a
// backoff (GET /devices/{id}/policies), instead of being sent again and
// again: the next session sends no policy RPC.
func TestPolicyRPCWithoutUsableAnswer(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.SessionTimeout = time.Second
	})
	if code := a.do("POST", "/policies", "name: pii\nmodel: Device:2\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 120\n", nil); code != http.StatusOK {
		t.Fatalf("apply: HTTP %d", code)
	}
	// policyState is the device's one policy state; nil while the
	// device's first session is not stored yet.
	policyState := func(id string, wait bool) map[string]any {
		t.Helper()
		var out struct {
			States []map[string]any `json:"states"`
		}
		code := a.do("GET", devPath(id)+"/policies", nil, &out)
		if wait && (code == http.StatusNotFound || code == http.StatusOK && len(out.States) == 0) {
			return nil
		}
		if code != http.StatusOK || len(out.States) != 1 {
			t.Fatalf("GET policies of %s: HTTP %d %+v", id, code, out)
		}
		return out.States[0]
	}
	firstRPC := func(raw *rawCPE, serial string) *cwmp.Envelope {
		t.Helper()
		if code, _ := raw.send(informWith(serial)); code != http.StatusOK {
			t.Fatalf("Inform: HTTP %d", code)
		}
		_, req := raw.send(&cwmp.Envelope{})
		return req
	}

	// Undecodable answer.
	raw := newRawCPE(t, a.srv.CWMPURL(), true)
	if req := firstRPC(raw, "PU1"); req == nil {
		t.Fatal("no policy RPC in the first session")
	}
	if code, _, next := raw.post([]byte("<soap:Envelope><garbage")); code != http.StatusNoContent || next != nil {
		t.Fatalf("after the garbage: HTTP %d %v, want the session's end (the policy faulted)", code, next)
	}
	ps := policyState(labID+"PU1", false)
	if ps["status"] != "fault" || !strings.Contains(ps["reason"].(string), "could not be decoded") || ps["attempts"] != 1.0 {
		t.Fatalf("policy state after an undecodable answer: %+v", ps)
	}
	if req := firstRPC(raw, "PU1"); req != nil {
		t.Fatalf("next session sent %s during the backoff", req.Body.MethodName())
	}

	// No answer: the session times out with the policy's RPC in flight.
	raw2 := newRawCPE(t, a.srv.CWMPURL(), true)
	if req := firstRPC(raw2, "PU2"); req == nil {
		t.Fatal("no policy RPC in the first session")
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := policyState(labID+"PU2", true)
		if st != nil && st["status"] == "fault" {
			if !strings.Contains(st["reason"].(string), "no answer") {
				t.Fatalf("policy state after no answer: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("policy state 15 s after the session timed out: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if req := firstRPC(raw2, "PU2"); req != nil {
		t.Fatalf("next session sent %s during the backoff", req.Body.MethodName())
	}
}
