package acsref_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
)

// FuzzUIInputs: whatever bearer token, login form and UI path reach the
// ACS, no answer is a 500 or a panic; a token other than the NBI token
// never opens the NBI, a login other than the one user's name and
// password never opens a session.
func FuzzUIInputs(f *testing.F) {
	st, err := store.OpenSQLite(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	srv, err := acsref.New(acsref.Config{Store: st, NBIToken: "fuzz-token", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.NBIHandler()
	req := httptest.NewRequest("POST", "http://127.0.0.1/users", strings.NewReader(`{"name":"fz","role":"operator","password":"pw-fz-long"}`))
	req.Header.Set("Authorization", "Bearer fuzz-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		f.Fatalf("creating the user: %d %s", rec.Code, rec.Body)
	}
	f.Add("dmfu_0123456789ab_00", "fz", "pw-fz-long", "", "/ui/devices?id=x")
	f.Add("dmfu__", "admin", "", "dmf_00", "/ui/devices/%00?prefix=Device.")
	f.Add("dmfu_0123456789ab_", "", "$argon2id$v=19$m=1,t=1,p=1$$", "dmfu_x_y", "/ui/audit?since=x&limit=-1")
	f.Add("", "fz", "pw-fz-lon", "", "/ui/../devices")
	f.Fuzz(func(t *testing.T, token, name, password, key, path string) {
		req := httptest.NewRequest("GET", "http://127.0.0.1/devices", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if token != "fuzz-token" && rec.Code != http.StatusUnauthorized {
			t.Fatalf("token %q: %d", token, rec.Code)
		}
		form := url.Values{"name": {name}, "password": {password}, "key": {key}}
		req = httptest.NewRequest("POST", "http://127.0.0.1/ui/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		ok := (key == "" && name == "fz" && password == "pw-fz-long") || key == "fuzz-token"
		switch {
		case rec.Code == http.StatusSeeOther && !ok:
			t.Fatalf("login %q/%q/%q opened a session", name, password, key)
		case rec.Code != http.StatusSeeOther && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusTooManyRequests:
			t.Fatalf("login: %d", rec.Code)
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \x00\r\n#") {
			return
		}
		req, err := http.NewRequest("GET", "http://127.0.0.1/ui"+path, nil)
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:1"
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET /ui%s: %d %s", path, rec.Code, rec.Body)
		}
	})
}
