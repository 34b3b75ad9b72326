package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// testUsers: users (create, conflict, update, list, delete with their
// keys), API keys (unknown user, duplicate id, per-user listing,
// revocation kept at its first time, revoking another user's key refused)
// and the audit log (ids, filters, newest first, limit), all kept across
// a restart.
func testUsers(t *testing.T, e *env) {
	st := e.store()
	t0 := now()
	alice := &store.User{Name: "alice", Role: store.RoleOperator, Scope: "boxes", PasswordHash: "$argon2id$x", Created: t0, Updated: t0}
	if err := st.CreateUser(bg, alice); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(bg, &store.User{Name: "alice", Role: store.RoleAdmin, Created: t0, Updated: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateUser of a taken name: %v, want ErrConflict", err)
	}
	if err := st.CreateUser(bg, &store.User{Name: "bob", Role: store.RoleReadOnly, Created: t0, Updated: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := st.User(bg, "alice")
	if err != nil || *got != *alice {
		t.Fatalf("User(alice) = %+v, %v; want %+v", got, err, alice)
	}
	if _, err := st.User(bg, "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("User(carol): %v, want ErrNotFound", err)
	}
	t1 := t0.Add(time.Second)
	if err := st.UpdateUser(bg, &store.User{Name: "alice", Role: store.RoleAdmin, PasswordHash: "$argon2id$y", Updated: t1}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateUser(bg, &store.User{Name: "carol", Role: store.RoleAdmin}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateUser(carol): %v, want ErrNotFound", err)
	}
	got, _ = st.User(bg, "alice")
	if got.Role != store.RoleAdmin || got.Scope != "" || got.PasswordHash != "$argon2id$y" || !got.Updated.Equal(t1) || !got.Created.Equal(t0) {
		t.Fatalf("alice after UpdateUser: %+v", got)
	}

	// API keys.
	if err := st.PutAPIKey(bg, &store.APIKey{ID: "k0", User: "carol", Hash: "h", Created: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutAPIKey for an unknown user: %v, want ErrNotFound", err)
	}
	for i, u := range []string{"alice", "alice", "bob"} {
		k := &store.APIKey{ID: fmt.Sprintf("k%d", i+1), User: u, Name: "ci", Hash: fmt.Sprintf("hash%d", i+1), Created: t0.Add(time.Duration(i) * time.Millisecond)}
		if err := st.PutAPIKey(bg, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutAPIKey(bg, &store.APIKey{ID: "k1", User: "bob", Hash: "other", Created: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("PutAPIKey of a taken id: %v, want ErrConflict", err)
	}
	keys, err := st.APIKeys(bg, "alice")
	if err != nil || len(keys) != 2 || keys[0].ID != "k1" || keys[1].ID != "k2" || keys[0].Hash != "hash1" {
		t.Fatalf("APIKeys(alice) = %+v, %v", keys, err)
	}
	if all, _ := st.APIKeys(bg, ""); len(all) != 3 {
		t.Fatalf("APIKeys of everyone: %d keys, want 3", len(all))
	}
	if err := st.RevokeAPIKey(bg, "bob", "k1", t1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bob revoking alice's key: %v, want ErrNotFound", err)
	}
	if err := st.RevokeAPIKey(bg, "alice", "k1", t1); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAPIKey(bg, "alice", "k1", t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if k, err := st.APIKey(bg, "k1"); err != nil || !k.Revoked.Equal(t1) || k.User != "alice" {
		t.Fatalf("APIKey(k1) after revoking twice: %+v, %v (revoked at %v)", k, err, t1)
	}
	if k, _ := st.APIKey(bg, "k2"); !k.Revoked.IsZero() {
		t.Fatalf("k2 revoked: %+v", k)
	}

	// Audit log.
	for i, a := range []struct {
		actor, action, target string
		status                int
	}{
		{"alice", "postTask", "dev1", 202}, {"alice", "postTask", "dev1", 400}, {"bob", "tagDevice", "dev2", 403}, {"admin", "createUser", "bob", 201},
	} {
		entry := &store.AuditEntry{Time: t0.Add(time.Duration(i) * time.Minute), Actor: a.actor, Via: "nbi", Remote: "127.0.0.1",
			Action: a.action, Method: "POST", Path: "/x", Target: a.target, Detail: `{"n":1}`, Status: a.status, Result: "ok"}
		if err := st.AddAudit(bg, entry); err != nil {
			t.Fatal(err)
		}
		if entry.ID == 0 {
			t.Fatalf("AddAudit set no id")
		}
	}
	for _, c := range []struct {
		f    store.AuditFilter
		want []string // actor/action/status, newest first
	}{
		{store.AuditFilter{}, []string{"admin/createUser/201", "bob/tagDevice/403", "alice/postTask/400", "alice/postTask/202"}},
		{store.AuditFilter{Actor: "alice"}, []string{"alice/postTask/400", "alice/postTask/202"}},
		{store.AuditFilter{Failed: true}, []string{"bob/tagDevice/403", "alice/postTask/400"}},
		{store.AuditFilter{OK: true, Target: "dev1"}, []string{"alice/postTask/202"}},
		{store.AuditFilter{Action: "createUser"}, []string{"admin/createUser/201"}},
		{store.AuditFilter{Since: t0.Add(time.Minute), Before: t0.Add(3 * time.Minute)}, []string{"bob/tagDevice/403", "alice/postTask/400"}},
		{store.AuditFilter{Limit: 1}, []string{"admin/createUser/201"}},
		{store.AuditFilter{Via: "ui"}, nil},
	} {
		got, err := st.Audit(bg, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range got {
			names = append(names, fmt.Sprintf("%s/%s/%d", g.Actor, g.Action, g.Status))
		}
		if fmt.Sprint(names) != fmt.Sprint(c.want) {
			t.Errorf("Audit(%+v) = %v, want %v", c.f, names, c.want)
		}
	}

	// Deleting a user drops its keys; all of it survives a restart.
	if err := st.DeleteUser(bg, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUser(bg, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteUser twice: %v, want ErrNotFound", err)
	}
	st.Close()
	st = e.store()
	if _, err := st.APIKey(bg, "k1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key of a deleted user: %v, want ErrNotFound", err)
	}
	users, err := st.Users(bg)
	if err != nil || len(users) != 1 || users[0].Name != "bob" || users[0].Role != store.RoleReadOnly {
		t.Fatalf("Users after deleting alice and a restart: %+v, %v", users, err)
	}
	if k, err := st.APIKey(bg, "k3"); err != nil || k.User != "bob" || k.Hash != "hash3" {
		t.Fatalf("bob's key after a restart: %+v, %v", k, err)
	}
	if all, _ := st.Audit(bg, store.AuditFilter{}); len(all) != 4 || all[0].Detail != `{"n":1}` || all[0].Remote != "127.0.0.1" {
		t.Fatalf("audit after a restart: %+v", all)
	}
}
