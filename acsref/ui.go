package acsref

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// The web UI: server-rendered pages (html/template, embedded with
// embed.FS) on the NBI listener under /ui/, with one small script of the
// project's own (ui/static/app.js: the model checks of inline edits,
// select-all). Nothing is loaded from another host, and the
// Content-Security-Policy says so to the browser. Every change a page
// makes goes through the NBI's route table (uiCall), so that the role and
// scope checks and the audit log are the NBI's own.

//go:embed ui/templates/*.html ui/static/*
var uiFiles embed.FS

const (
	uiCookie = "dmforge_session"
	// uiSessionIdle and uiSessionMax end a session unused for an hour,
	// and any after 12 hours.
	uiSessionIdle = time.Hour
	uiSessionMax  = 12 * time.Hour
	// Login limits: failed logins per client address and per user name
	// within uiLoginWindow, beyond which a login is refused (429).
	uiLoginWindow     = 5 * time.Minute
	uiLoginMaxPerHost = 10
	uiLoginMaxPerUser = 5
)

// uiCSP allows the page's own scripts, styles and images and nothing
// else: no other host, no inline script, no framing.
const uiCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// uiState is the web UI's state in a Server: templates and the route
// table the UI's changes go through. Sessions and failed logins are in
// the store (store.UIState), so that they survive a restart and hold on
// every ACS process sharing a PostgreSQL store.
type uiState struct {
	once  sync.Once
	pages map[string]*template.Template
	mux   *http.ServeMux
}

type uiSession struct {
	p    Principal
	csrf string
}

// uiTouchEvery is how stale a session's last use may get in the store
// before a request writes it again (a page view is not a write each).
const uiTouchEvery = time.Minute

// init builds the templates and the internal route table.
func (u *uiState) init(s *Server) {
	u.once.Do(func() {
		u.pages = map[string]*template.Template{}
		names, _ := fs.Glob(uiFiles, "ui/templates/*.html")
		for _, n := range names {
			base := strings.TrimSuffix(strings.TrimPrefix(n, "ui/templates/"), ".html")
			if base == "layout" {
				continue
			}
			u.pages[base] = template.Must(template.New("layout.html").Funcs(uiFuncs).ParseFS(uiFiles, "ui/templates/layout.html", n))
		}
		u.mux = http.NewServeMux()
		for i := range nbiRoutes {
			rt := nbiRoutes[i]
			u.mux.Handle(rt.routeKey(), s.routeHandler(&rt))
		}
	})
}

// dropUISessionsOf ends the UI sessions of a user (deleted), and any
// expired session of anyone.
func (s *Server) dropUISessionsOf(ctx context.Context, name string) {
	idle, created := uiExpiry(time.Now())
	if _, err := s.st.DeleteUISessions(ctx, name, idle, created); err != nil {
		s.log.Error("acs: ui: ending sessions", "user", name, "err", err)
	}
}

// uiExpiry is the bounds of live sessions at now: seen since idle,
// created since created.
func uiExpiry(now time.Time) (idle, created time.Time) {
	return now.Add(-uiSessionIdle), now.Add(-uiSessionMax)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// uiSessionOf is the request's live session (a copy), nil if none. The
// user's role and scope are read from the store at each request, so that
// a change (or a deletion, by any process sharing the store) holds at
// once.
func (s *Server) uiSessionOf(r *http.Request) *uiSession {
	c, err := r.Cookie(uiCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	k := hashKey(c.Value)
	now := time.Now()
	idle, created := uiExpiry(now)
	ss, err := s.st.UISession(r.Context(), k, idle, created)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("acs: ui: session", "err", err)
		}
		return nil
	}
	if now.Sub(ss.Seen) > uiTouchEvery {
		if err := s.st.TouchUISession(r.Context(), k, now); err != nil {
			s.log.Error("acs: ui: session", "err", err)
		}
	}
	se := &uiSession{p: Principal{Name: ss.User, Role: ss.Role, Scope: ss.Scope, Via: "ui"}, csrf: ss.CSRF}
	if se.p.Name == adminActor { // the admin key's session: no user row
		return se
	}
	u, err := s.st.User(r.Context(), se.p.Name)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			_ = s.st.DeleteUISession(r.Context(), k)
		}
		return nil
	}
	se.p.Role, se.p.Scope = u.Role, u.Scope
	return se
}

// UIHandler serves the web UI (mounted by NBIHandler under /ui/).
func (s *Server) UIHandler() http.Handler {
	s.ui.init(s)
	mux := http.NewServeMux()
	static, _ := fs.Sub(uiFiles, "ui/static")
	mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /ui/login", s.uiLoginPage)
	mux.HandleFunc("POST /ui/login", s.uiLogin)
	page := func(pattern string, h func(http.ResponseWriter, *http.Request, *uiSession)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			se := s.uiSessionOf(r)
			if se == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				} else {
					http.Error(w, "not logged in", http.StatusUnauthorized)
				}
				return
			}
			if r.Method == http.MethodPost {
				// Every change carries the session's CSRF token, and comes
				// from the UI's own origin.
				if !s.originAllowed(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(se.csrf)) != 1 {
					http.Error(w, "the form's CSRF token is missing or wrong: reload the page", http.StatusForbidden)
					return
				}
			}
			h(w, r, se)
		})
	}
	page("POST /ui/logout", s.uiLogout)
	page("GET /ui/{$}", s.uiOverview)
	page("GET /ui/devices", s.uiDevices)
	page("POST /ui/devices/bulk", s.uiBulk)
	page("POST /ui/filters/save", s.uiSaveFilter)
	page("POST /ui/filters/delete", s.uiDeleteFilter)
	page("GET /ui/policies/{name}", s.uiPolicy)
	page("GET /ui/campaigns/{name}", s.uiCampaignPage)
	page("GET /ui/devices/{id}", s.uiDevice)
	page("POST /ui/devices/{id}/{action}", s.uiDeviceAction)
	page("GET /ui/files", s.uiFiles)
	page("GET /ui/policies", s.uiPolicies)
	page("POST /ui/policies", s.uiApplyPolicies)
	page("POST /ui/campaigns/{action}", s.uiCampaign)
	page("GET /ui/users", s.uiUsers)
	page("POST /ui/users/{action}", s.uiUsersAction)
	page("GET /ui/audit", s.uiAudit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", uiCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin") // not no-referrer: Chromium would send Origin: null with the forms
		h.Set("Cache-Control", "no-store")
		if !s.hostAllowed(r.Host) {
			http.Error(w, "the UI does not answer to host "+r.Host, http.StatusMisdirectedRequest)
			return
		}
		if r.URL.Path == "/ui" {
			http.Redirect(w, r, "/ui/", http.StatusSeeOther)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// render writes a page; data gets the session, the CSRF token and the
// flash messages.
func (s *Server) render(w http.ResponseWriter, r *http.Request, se *uiSession, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Session"] = se
	if se != nil {
		data["User"] = se.p
		data["CSRF"] = se.csrf
	}
	data["Msg"] = r.URL.Query().Get("msg")
	data["Err"] = r.URL.Query().Get("err")
	var buf bytes.Buffer
	tmpl := s.ui.pages[name]
	if tmpl == nil {
		s.log.Error("acs: ui: no template", "page", name)
		http.Error(w, "page error (details in the ACS log)", http.StatusInternalServerError)
		return
	}
	if err := tmpl.Execute(&buf, data); err != nil {
		s.log.Error("acs: ui: render", "page", name, "err", err)
		http.Error(w, "page error (details in the ACS log)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// back redirects to the page at path with a message or an error.
func back(w http.ResponseWriter, r *http.Request, path, msg string, err error) {
	q := url.Values{}
	if err != nil {
		q.Set("err", err.Error())
	} else if msg != "" {
		q.Set("msg", msg)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+q.Encode(), http.StatusSeeOther)
}

// uiCall makes a request into the NBI's route table as the session's
// user (the role and scope checks, the audit log with via "ui"); an
// error answer comes back as an error with the NBI's message.
func (s *Server) uiCall(r *http.Request, se *uiSession, method, path string, body any, out any) error {
	var rd io.Reader
	ct := "application/json"
	if raw, ok := body.(rawBody); ok {
		rd, ct = bytes.NewReader(raw.data), raw.contentType
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	p := se.p
	p.Via = "ui"
	req, err := http.NewRequestWithContext(withPrincipal(r.Context(), &p), method, path, rd)
	if err != nil {
		return err
	}
	req.RemoteAddr = r.RemoteAddr
	req.Host = r.Host
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	rec := &bufferedResponse{header: http.Header{}}
	s.ui.mux.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 400 {
		var ae APIError
		if json.Unmarshal(rec.body.Bytes(), &ae) == nil && ae.Msg != "" {
			msg := ae.Msg
			if ae.Path != "" && !strings.Contains(msg, ae.Path) {
				msg = ae.Path + ": " + msg
			}
			return &uiError{Status: rec.status, Rule: ae.Rule, Msg: msg, Errors: ae.Errors}
		}
		return &uiError{Status: rec.status, Msg: strings.TrimSpace(rec.body.String())}
	}
	if out != nil && rec.body.Len() > 0 {
		return json.Unmarshal(rec.body.Bytes(), out)
	}
	return nil
}

// rawBody is a request body uiCall sends as it is.
type rawBody struct {
	contentType string
	data        []byte
}

// uiError is an NBI refusal shown in a page.
type uiError struct {
	Status int
	Rule   string
	Msg    string
	Errors policy.Errors // a refused policy document's, each with its line
}

func (e *uiError) Error() string {
	if e.Status == http.StatusForbidden {
		return "refused: " + e.Msg
	}
	if e.Rule != "" {
		return e.Msg + " (rule " + e.Rule + ")"
	}
	return e.Msg
}

// ---- login ----

func (s *Server) uiLoginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a post-login redirect inside the UI.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/ui/"
	}
	return next
}

// loginKeys are the store's keys of a login's client address and the
// name tried: hashed, so that a name of any length or bytes is a short
// key (and no name tried is kept in clear).
func loginKeys(host, name string) []string {
	h := func(kind, v string) string {
		sum := sha256.Sum256([]byte(v))
		return kind + ":" + hex.EncodeToString(sum[:16])
	}
	return []string{h("host", host), h("user", name)}
}

// loginAllowed tells whether a login from host as name may be tried now:
// the failures within the window, counted in the store (so by every ACS
// process sharing it), stay under the limits.
func (s *Server) loginAllowed(ctx context.Context, host, name string) (bool, error) {
	keys := loginKeys(host, name)
	n, err := s.st.LoginFailures(ctx, keys, time.Now().Add(-uiLoginWindow))
	if err != nil {
		return false, err
	}
	return n[keys[0]] < uiLoginMaxPerHost && n[keys[1]] < uiLoginMaxPerUser, nil
}

// loginFailed records a failed login (and forgets those older than the
// window).
func (s *Server) loginFailed(ctx context.Context, host, name string) {
	now := time.Now()
	if err := s.st.AddLoginFailure(ctx, loginKeys(host, name), now, now.Add(-uiLoginWindow)); err != nil {
		s.log.Error("acs: ui: recording a failed login", "err", err)
	}
}

// uiLogin checks a user name and password, or an API key (the admin key
// opens an admin session, which is how the first user is made).
func (s *Server) uiLogin(w http.ResponseWriter, r *http.Request) {
	if !s.originAllowed(r) {
		http.Error(w, "cross-site login refused", http.StatusForbidden)
		return
	}
	name, pw, key := r.PostFormValue("name"), r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("key"))
	host := remoteHost(r)
	who := name
	if key != "" {
		who = "(API key)"
	}
	next := safeNext(r.PostFormValue("next"))
	allowed, err := s.loginAllowed(r.Context(), host, who)
	if err != nil {
		// Fail closed: without the count, no login is tried.
		s.log.Error("acs: ui: counting failed logins", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		s.render(w, r, nil, "login", map[string]any{"Next": next, "LoginErr": "the ACS cannot reach its store: try again later"})
		return
	}
	if !allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(uiLoginWindow.Seconds())))
		w.WriteHeader(http.StatusTooManyRequests)
		s.render(w, r, nil, "login", map[string]any{"Next": next, "LoginErr": "too many failed logins: wait a few minutes"})
		return
	}
	var p *Principal
	if key != "" {
		kr := r.Clone(r.Context())
		kr.Header = http.Header{"Authorization": {"Bearer " + key}}
		if s.cfg.NBIAccess.Open && s.cfg.NBIToken == "" {
			kr.Header.Del("Authorization") // never log in anyone by a wrong key on an open NBI
			p = s.principalOfToken(r.Context(), key)
		} else {
			p = s.authenticate(kr)
		}
	} else if u, err := s.st.User(r.Context(), name); err == nil && u.PasswordHash != "" && checkPassword(u.PasswordHash, pw) {
		p = &Principal{Name: u.Name, Role: u.Role, Scope: u.Scope}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("acs: ui: login", "err", err)
	}
	if p == nil {
		s.loginFailed(r.Context(), host, who)
		if len(who) > 64 {
			who = who[:64] + "…"
		}
		s.auditUI(r, &Principal{Name: who}, "login", who, http.StatusUnauthorized, "wrong user name, password or key")
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, nil, "login", map[string]any{"Next": next, "Name": name, "LoginErr": "wrong user name, password or key"})
		return
	}
	id := randomHex(32)
	now := time.Now().UTC()
	// A login also clears the store of expired sessions (of anyone).
	idle, created := uiExpiry(now)
	if _, err := s.st.DeleteUISessions(r.Context(), "", idle, created); err != nil {
		s.log.Error("acs: ui: expiring sessions", "err", err)
	}
	if err := s.st.PutUISession(r.Context(), &store.UISession{IDHash: hashKey(id), User: p.Name, Role: p.Role, Scope: p.Scope,
		CSRF: randomHex(24), Created: now, Seen: now}); err != nil {
		s.log.Error("acs: ui: login", "err", err)
		http.Error(w, "login: store error (details in the ACS log)", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: uiCookie, Value: id, Path: "/ui/", HttpOnly: true, Secure: overTLS(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(uiSessionMax.Seconds())})
	s.auditUI(r, p, "login", p.Name, http.StatusOK, "ok")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) uiLogout(w http.ResponseWriter, r *http.Request, se *uiSession) {
	if c, err := r.Cookie(uiCookie); err == nil {
		if err := s.st.DeleteUISession(r.Context(), hashKey(c.Value)); err != nil {
			s.log.Error("acs: ui: logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: uiCookie, Value: "", Path: "/ui/", HttpOnly: true, Secure: overTLS(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// overTLS tells whether the browser reached the UI over TLS: directly, or
// through a TLS-terminating proxy that says so (X-Forwarded-Proto). A
// forged header only makes the cookie Secure, never less.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// auditUI records a UI event that is not a route (a login).
func (s *Server) auditUI(r *http.Request, p *Principal, action, target string, status int, result string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e := &store.AuditEntry{Time: time.Now().UTC(), Actor: storableText(p.Name), Via: "ui", Remote: remoteHost(r), Action: action,
		Method: r.Method, Path: r.URL.Path, Target: storableText(target), Status: status, Result: result}
	if err := s.st.AddAudit(ctx, e); err != nil {
		s.log.Error("acs: audit log", "action", action, "err", err)
	}
}
