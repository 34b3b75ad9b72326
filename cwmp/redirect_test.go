package cwmp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestSessionFollowsRedirect: a 307 of the ACS URL is followed with the
// body (the Inform re-sent), and the rest of the session goes to the
// redirect's Location (TR-069 §3.4.5); a new session starts at the ACS
// URL again.
func TestSessionFollowsRedirect(t *testing.T) {
	var atACS, atTarget atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atTarget.Add(1)
		if r.ContentLength == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		body, _ := io.ReadAll(r.Body)
		env, err := (&Decoder{}).Decode(body)
		if err != nil {
			t.Errorf("the redirected POST: %v", err)
			return
		}
		_ = WriteEnvelope(w, env.Reply(&InformResponse{MaxEnvelopes: 1}))
	}))
	defer target.Close()
	acs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atACS.Add(1)
		http.Redirect(w, r, target.URL+"/moved", http.StatusTemporaryRedirect)
	}))
	defer acs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	inform := &Envelope{Namespace: Namespace12, Header: Header{ID: "1"}, Body: &Inform{
		DeviceID: DeviceIDStruct{"Acme", "00D09E", "Box", "SN7"}, MaxEnvelopes: 1, Event: []EventStruct{{EventPeriodic, ""}}}}
	for session := 1; session <= 2; session++ {
		sc := NewSessionClient(acs.URL+"/acs", nil)
		rep, err := sc.Post(ctx, inform)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rep.Body.(*InformResponse); !ok {
			t.Fatalf("reply = %+v", rep)
		}
		if _, err := sc.Post(ctx, &Envelope{}); err != nil {
			t.Fatal(err)
		}
		if sc.URL != target.URL+"/moved" || atACS.Load() != int32(session) || atTarget.Load() != int32(2*session) {
			t.Fatalf("session %d: URL %s, %d POSTs at the ACS URL, %d at the target", session, sc.URL, atACS.Load(), atTarget.Load())
		}
	}
}
