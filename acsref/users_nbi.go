package acsref

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// UserRequest creates a user (POST /users).
type UserRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"`            // admin, operator or read-only
	Scope    string `json:"scope,omitempty"` // a device group
	Password string `json:"password,omitempty"`
}

// UserUpdate changes a user (PUT /users/{name}); absent fields stay.
type UserUpdate struct {
	Role     *string `json:"role,omitempty"`
	Scope    *string `json:"scope,omitempty"`
	Password *string `json:"password,omitempty"`
}

// KeyRequest makes an API key (POST /users/{name}/keys).
type KeyRequest struct {
	Name string `json:"name,omitempty"` // what the key is for
}

// NewAPIKey is a key just made: Key is shown this once.
type NewAPIKey struct {
	store.APIKey
	Key string `json:"key"`
}

func init() {
	noUser := fail(http.StatusNotFound, "no such user")
	nbiRoutes = append(nbiRoutes,
		Route{Method: "GET", Pattern: "/users", OperationID: "listUsers", Summary: "Users of the NBI and the web UI", Tag: "users", Access: AccessAdmin,
			Responses: []Response{ok(200, []*store.User{})}, Handle: (*Server).listUsers},
		Route{Method: "POST", Pattern: "/users", OperationID: "createUser", Summary: "Create a user (role admin, operator or read-only; scope: a device group)", Tag: "users", Access: AccessAdmin,
			Body: jsonBody(UserRequest{}), Responses: []Response{ok(201, store.User{}), fail(400, "a bad name, role or password"), fail(409, "the name is taken")},
			Handle: (*Server).postUser},
		Route{Method: "GET", Pattern: "/users/{name}", OperationID: "getUser", Summary: "One user", Tag: "users", Access: AccessAdmin,
			Responses: []Response{ok(200, store.User{}), noUser}, Handle: (*Server).getUser},
		Route{Method: "PUT", Pattern: "/users/{name}", OperationID: "updateUser", Summary: "Change a user's role, scope or password", Tag: "users", Access: AccessAdmin,
			Body: jsonBody(UserUpdate{}), Responses: []Response{ok(200, store.User{}), fail(400, "a bad role or password"), noUser},
			Handle: (*Server).putUser},
		Route{Method: "DELETE", Pattern: "/users/{name}", OperationID: "deleteUser", Summary: "Delete a user and its API keys", Tag: "users", Access: AccessAdmin,
			Responses: []Response{empty(204), noUser}, Handle: (*Server).deleteUser},
		Route{Method: "GET", Pattern: "/users/{name}/keys", OperationID: "listAPIKeys", Summary: "A user's API keys (not the keys: their ids); a user may list its own", Tag: "users", Access: AccessRead,
			Responses: []Response{ok(200, []*store.APIKey{}), fail(403, "another user's keys"), noUser}, Handle: (*Server).listKeys},
		Route{Method: "POST", Pattern: "/users/{name}/keys", OperationID: "createAPIKey", Summary: "Make an API key for a user, shown once in the answer; a user may make its own", Tag: "users", Access: AccessRead,
			Body: jsonBody(KeyRequest{}), Responses: []Response{ok(201, NewAPIKey{}), fail(403, "another user's keys"), noUser}, Handle: (*Server).postKey},
		Route{Method: "DELETE", Pattern: "/users/{name}/keys/{kid}", OperationID: "revokeAPIKey", Summary: "Revoke an API key; a user may revoke its own", Tag: "users", Access: AccessRead,
			Responses: []Response{empty(204), fail(403, "another user's keys"), fail(404, "no such key")}, Handle: (*Server).revokeKey},
		Route{Method: "GET", Pattern: "/audit", OperationID: "listAudit", Summary: "The audit log: every change through the NBI or the web UI, newest first", Tag: "audit", Access: AccessAdmin,
			Params:    auditParams,
			Responses: []Response{ok(200, []store.AuditEntry{}), fail(400, "a malformed time, limit or result")}, Handle: (*Server).listAudit},
		Route{Method: "GET", Pattern: "/audit/export", OperationID: "exportAudit", Summary: "The audit log as CSV (same filters as /audit)", Tag: "audit", Access: AccessAdmin,
			Params:    auditParams,
			Responses: []Response{{Status: 200, Body: &Body{Type: "", ContentType: "text/csv"}}, fail(400, "a malformed time, limit or result")}, Handle: (*Server).exportAudit},
	)
	pathParamDocs["kid"] = "API key id"
}

var auditParams = []Param{
	{Name: "actor", Description: "user name"}, {Name: "action", Description: "operationId of the route: postTask, createUser, …"},
	{Name: "target", Description: "device id, user, policy, file, … acted on"}, {Name: "via", Description: "nbi or ui"},
	{Name: "since", Description: "RFC 3339"}, {Name: "before", Description: "RFC 3339"},
	{Name: "result", Description: "ok (status < 400) or failed"}, qLimit,
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.st.Users(r.Context())
	if err != nil {
		return storeError(err, "users")
	}
	if us == nil {
		us = []*store.User{}
	}
	writeJSON(w, http.StatusOK, us)
	return nil
}

// decodeBody decodes a bounded JSON body into v, refusing unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body: " + err.Error())
	}
	return nil
}

func (s *Server) postUser(w http.ResponseWriter, r *http.Request) error {
	var in UserRequest
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.createUser(r.Context(), in)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return apiErr(http.StatusConflict, RuleConflict, "user "+strconv.Quote(in.Name)+" exists")
		}
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.st.User(r.Context(), r.PathValue("name"))
	if err != nil {
		return storeError(err, "user")
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) putUser(w http.ResponseWriter, r *http.Request) error {
	var in UserUpdate
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.st.User(r.Context(), r.PathValue("name"))
	if err != nil {
		return storeError(err, "user")
	}
	if in.Role != nil {
		u.Role = *in.Role
	}
	if in.Scope != nil {
		u.Scope = *in.Scope
	}
	pw := ""
	if in.Password != nil {
		if pw = *in.Password; pw == "" {
			u.PasswordHash = "" // API keys only
		}
	}
	if err := checkUserFields(u.Name, u.Role, pw); err != nil {
		return err
	}
	if pw != "" {
		if u.PasswordHash, err = hashPassword(pw); err != nil {
			return err
		}
	}
	u.Updated = time.Now().UTC()
	if err := s.st.UpdateUser(r.Context(), u); err != nil {
		return storeError(err, "user")
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.st.DeleteUser(r.Context(), r.PathValue("name")); err != nil {
		return storeError(err, "user")
	}
	s.dropUISessionsOf(r.Context(), r.PathValue("name"))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ownKeys refuses a user other than an admin acting on another user's
// keys.
func ownKeys(r *http.Request) error {
	p := principalFrom(r.Context())
	if p == nil || p.Role == store.RoleAdmin || p.Name == r.PathValue("name") {
		return nil
	}
	return apiErr(http.StatusForbidden, RuleForbidden, "only an admin manages another user's API keys")
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	if err := ownKeys(r); err != nil {
		return err
	}
	name := r.PathValue("name")
	if _, err := s.st.User(r.Context(), name); err != nil {
		return storeError(err, "user")
	}
	ks, err := s.st.APIKeys(r.Context(), name)
	if err != nil {
		return storeError(err, "API keys")
	}
	if ks == nil {
		ks = []*store.APIKey{}
	}
	writeJSON(w, http.StatusOK, ks)
	return nil
}

func (s *Server) postKey(w http.ResponseWriter, r *http.Request) error {
	if err := ownKeys(r); err != nil {
		return err
	}
	var in KeyRequest
	if r.ContentLength != 0 {
		if err := decodeBody(r, &in); err != nil {
			return err
		}
	}
	k, err := s.newKeyFor(r.Context(), r.PathValue("name"), in.Name)
	if err != nil {
		return storeError(err, "user")
	}
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	if err := ownKeys(r); err != nil {
		return err
	}
	if err := s.st.RevokeAPIKey(r.Context(), r.PathValue("name"), r.PathValue("kid"), time.Now().UTC()); err != nil {
		return storeError(err, "API key")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// auditFilter reads the filters of /audit and /audit/export.
func auditFilter(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"), Via: q.Get("via")}
	for k, dst := range map[string]*time.Time{"since": &f.Since, "before": &f.Before} {
		if v := q.Get(k); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, badRequest(k + ": want an RFC 3339 time")
			}
			*dst = t
		}
	}
	switch q.Get("result") {
	case "":
	case "ok":
		f.OK = true
	case "failed":
		f.Failed = true
	default:
		return f, badRequest("result: want ok or failed")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, badRequest("limit: want a non-negative integer")
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	es, err := s.st.Audit(r.Context(), f)
	if err != nil {
		return storeError(err, "audit")
	}
	if es == nil {
		es = []store.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, es)
	return nil
}

// auditCSVHeader is the first row of the CSV export.
var auditCSVHeader = []string{"id", "time", "actor", "via", "remote", "action", "method", "path", "target", "status", "result", "detail"}

func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	es, err := s.st.Audit(r.Context(), f)
	if err != nil {
		return storeError(err, "audit")
	}
	w.Header().Set("Content-Type", "text/csv")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	return writeAuditCSV(w, es)
}

func writeAuditCSV(w io.Writer, es []store.AuditEntry) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(auditCSVHeader)
	for _, e := range es {
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.Format(time.RFC3339Nano), csvSafe(e.Actor), e.Via, e.Remote, e.Action, e.Method,
			csvSafe(e.Path), csvSafe(e.Target), strconv.Itoa(e.Status), csvSafe(e.Result), csvSafe(e.Detail)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("acsref: audit CSV: %w", err)
	}
	return nil
}

// csvSafe defuses a cell a spreadsheet would run as a formula (CSV
// injection: a device id or a value chosen by a CPE or a user).
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
		return "'" + v
	}
	return v
}
