package acsref_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// loggedIn tells whether the client's session opens the devices page at
// the ACS a (a redirect to the login otherwise).
func (u *uiClient) loggedIn(a *testACS) bool {
	u.t.Helper()
	u.base = a.nbi
	resp, page := u.do("GET", "/ui/devices", nil, nil)
	return resp.StatusCode == http.StatusOK && strings.Contains(page, `id="who"`)
}

// TestUISessionSurvivesRestart: a UI session is in the store: after the
// ACS restarts on the same database the user is still logged in, and the
// session's CSRF token still works; logging out deletes it from the store.
func TestUISessionSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "acs.db")
	a := startACS(t, db, nil)
	a.mkUser(t, "op", store.RoleOperator, "")
	u := newUIClient(t, a)
	if resp := u.login("op", "pw-op-long"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	token := u.csrf()
	a.close()
	b := startACS(t, db, nil)
	if !u.loggedIn(b) {
		t.Fatal("logged out by a restart of the ACS")
	}
	if token2 := u.csrf(); token2 != token {
		t.Fatalf("CSRF token changed over the restart: %s → %s", token, token2)
	}
	// A change with the token: a saved filter, stored per user.
	resp, _ := u.do("POST", "/ui/filters/save", url.Values{"csrf": {token}, "name": {"mine"}, "query": {"productClass=X"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving a filter after the restart: %d", resp.StatusCode)
	}
	resp, _ = u.do("POST", "/ui/logout", url.Values{"csrf": {token}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if u.loggedIn(b) {
		t.Fatal("still logged in after logging out")
	}
	// The store has no session of op left.
	if n, err := b.st.DeleteUISessions(context.Background(), "op", time.Time{}, time.Time{}); err != nil || n != 0 {
		t.Fatalf("sessions of op in the store after logout: %d %v", n, err)
	}
}

// TestUISessionSharedStore: two ACS processes on one PostgreSQL share
// the UI's sessions: a login at one is a login at the other, a logout at
// the other ends it at both, and deleting the user ends its sessions.
// They share the failed-login limit too.
func TestUISessionSharedStore(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a := startSharedACS(t, dsn)
	b := startSharedACS(t, dsn)
	a.mkUser(t, "op", store.RoleOperator, "")
	u := newUIClient(t, a)
	if resp := u.login("op", "pw-op-long"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login at A: %d", resp.StatusCode)
	}
	if !u.loggedIn(b) {
		t.Fatal("a session made at A is unknown at B")
	}
	token := u.csrf()
	if resp, _ := u.do("POST", "/ui/logout", url.Values{"csrf": {token}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout at B: %d", resp.StatusCode)
	}
	if u.loggedIn(a) {
		t.Fatal("logged out at B, still logged in at A")
	}
	u.base = a.nbi
	u.login("op", "pw-op-long")
	if !u.loggedIn(b) {
		t.Fatal("second login at A unknown at B")
	}
	if code, body := nbiCall(t, "DELETE", a.nbi+"/users/op", "", bearer(a.tok)); code != http.StatusNoContent {
		t.Fatalf("deleting op: %d %s", code, body)
	}
	if u.loggedIn(b) {
		t.Fatal("a deleted user's session still open at B")
	}

	// The login limit holds across the processes: five failures for a
	// name spread over A and B, and the right password is refused at
	// either (it was 5 per process).
	a.mkUser(t, "eve", store.RoleReadOnly, "")
	for i := range 5 {
		c := newUIClient(t, []*testACS{a, b}[i%2])
		if resp := c.login("eve", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed login %d: %d", i, resp.StatusCode)
		}
	}
	for _, at := range []*testACS{a, b} {
		if resp := newUIClient(t, at).login("eve", "pw-eve-long"); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("login after 5 failures over two processes: %d, want 429", resp.StatusCode)
		}
	}
}
