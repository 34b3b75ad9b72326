package acsref

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// Rules of the role and scope refusals (403).
const (
	RuleForbidden = "forbidden" // the user's role may not call the route
	RuleScope     = "scope"     // the device is outside the user's scope
)

// routeAccess is who may call rt: its Access, or when it is
// AccessDefault, derived from the table: reading (GET) needs the
// read-only role, acting on devices, tasks and files (the tags devices,
// tasks, conformance, faults, files) the operator role, anything else
// (policies, campaigns, credentials, users) the admin role.
func routeAccess(rt *Route) Access {
	if rt.Access != AccessDefault {
		return rt.Access
	}
	if rt.Method == http.MethodGet || rt.Method == http.MethodHead {
		return AccessRead
	}
	switch rt.Tag {
	case "devices", "tasks", "conformance", "faults", "files":
		return AccessOperate
	}
	return AccessAdmin
}

// accessRole is the least role an Access needs ("" for public routes).
func accessRole(a Access) string {
	switch a {
	case AccessPublic:
		return ""
	case AccessRead:
		return store.RoleReadOnly
	case AccessOperate:
		return store.RoleOperator
	}
	return store.RoleAdmin
}

// scopeFree are the routes a scoped user may call besides those naming a
// device or a task: they tell nothing of other devices (the key routes
// check the user themselves; listDevices is filtered).
var scopeFree = map[string]bool{
	"listDevices": true, "listFiles": true, "getFile": true,
	"listAPIKeys": true, "createAPIKey": true, "revokeAPIKey": true,
}

// authorize refuses p calling rt when its role is too low or the device
// the request names is outside its scope.
func (s *Server) authorize(r *http.Request, rt *Route, p *Principal) error {
	need := accessRole(routeAccess(rt))
	if need == "" {
		return nil
	}
	if roleRank(p.Role) < roleRank(need) {
		return apiErr(http.StatusForbidden, RuleForbidden,
			"user "+p.Name+" ("+p.Role+") may not "+rt.Method+" "+rt.Pattern+": the route needs the "+need+" role")
	}
	if p.Scope == "" {
		return nil
	}
	ctx := r.Context()
	var dev string
	switch {
	case strings.Contains(rt.Pattern, "{id}"):
		dev = r.PathValue("id")
	case strings.Contains(rt.Pattern, "{tid}"):
		id, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
		if err != nil {
			return nil // the handler answers 400
		}
		t, err := s.st.Task(ctx, id)
		if err != nil {
			return storeError(err, "task") // 404 for an unknown task, as for another device's
		}
		dev = t.DeviceID
	case rt.OperationID == "listTasks" || rt.OperationID == "listFaults":
		if dev = r.URL.Query().Get("device"); dev == "" {
			return apiErr(http.StatusForbidden, RuleScope, "user "+p.Name+" sees the devices of group "+p.Scope+" only: name one with ?device=")
		}
	case scopeFree[rt.OperationID]:
		return nil
	default:
		return apiErr(http.StatusForbidden, RuleScope, "user "+p.Name+" is scoped to group "+p.Scope+": "+rt.Method+" "+rt.Pattern+" is not for scoped users")
	}
	// A device outside the scope is answered as an unknown one, from
	// this one place for both: a scoped user cannot tell that a device
	// exists outside its group.
	unknown := storeError(store.ErrNotFound, "device")
	if strings.Contains(rt.Pattern, "{tid}") {
		unknown = storeError(store.ErrNotFound, "task")
	}
	notFound := func(why string) error { return &hiddenScope{APIError: unknown, why: why} }
	d, err := s.st.Device(ctx, dev)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("not-found: device " + dev + " not found")
	}
	if err != nil {
		return storeError(err, "device")
	}
	in, err := s.inScope(ctx, p.Scope, d)
	if err != nil {
		return err
	}
	if !in {
		return notFound(RuleScope + ": device " + dev + " is outside the scope of user " + p.Name + " (group " + p.Scope + "); answered 404")
	}
	return nil
}

// hiddenScope is a scoped user's refusal answered as its APIError (404,
// as for an unknown device); the audit log records why.
type hiddenScope struct {
	*APIError
	why string
}

func (h *hiddenScope) Unwrap() error { return h.APIError }

// inScope tells whether d is a member of the group scope now (a group
// that does not exist, or whose membership is unknown yet, holds none).
func (s *Server) inScope(ctx context.Context, scope string, d *store.Device) (bool, error) {
	set, err := s.policySet(ctx)
	if err != nil {
		return false, storeError(err, "policies")
	}
	if set == nil || set.Groups[scope] == nil {
		return false, nil
	}
	_, st, err := s.policyState(ctx, d, false, true)
	if err != nil {
		return false, storeError(err, "device state")
	}
	in, unknown, err := policy.Membership(set, scope, st)
	if err != nil {
		return false, nil
	}
	return in && !unknown, nil
}

// filterScoped drops from a JSON list of devices (Device or GenieACS
// documents) those outside p's scope.
func (s *Server) filterScoped(ctx context.Context, p *Principal, body []byte) ([]byte, error) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	out := make([]map[string]json.RawMessage, 0, len(list))
	for _, item := range list {
		var id string
		raw := item["id"]
		if raw == nil {
			raw = item["_id"]
		}
		if json.Unmarshal(raw, &id) != nil {
			continue
		}
		d, err := s.st.Device(ctx, id)
		if err != nil {
			continue
		}
		if in, err := s.inScope(ctx, p.Scope, d); err != nil {
			return nil, err
		} else if in {
			out = append(out, item)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	err := enc.Encode(out)
	return buf.Bytes(), err
}

// bufferedResponse holds an answer to rewrite it (a scoped list).
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// guardRoute wraps a route's handler: the caller's role and scope are
// checked (403), a scoped user's device list filtered, and every change
// (any method but GET and HEAD) recorded in the audit log, refused or
// not. The one place these happen, for the NBI and the web UI alike.
func (s *Server) guardRoute(rt *Route, h http.Handler) http.Handler {
	public := routeAccess(rt) == AccessPublic
	audited := !public && rt.Method != http.MethodGet && rt.Method != http.MethodHead
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public {
			h.ServeHTTP(w, r)
			return
		}
		p := principalFrom(r.Context())
		if p == nil { // not through the guard: refuse rather than trust
			writeAPIError(w, apiErr(http.StatusUnauthorized, "auth", "no credentials"))
			return
		}
		if audited {
			rec := s.startAudit(w, r, rt, p)
			defer rec.finish()
			w = rec
		}
		if err := s.authorize(r, rt, p); err != nil {
			var hs *hiddenScope
			if rec, ok := w.(*auditRecorder); ok && errors.As(err, &hs) {
				rec.result = hs.why
			}
			if audited && r.Body != nil {
				// Read what was asked, for the audit entry of the refusal.
				_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, auditDetailMax))
			}
			s.writeError(w, err)
			return
		}
		if p.Scope != "" && rt.OperationID == "listDevices" {
			buf := &bufferedResponse{header: w.Header()}
			h.ServeHTTP(buf, r)
			body := buf.body.Bytes()
			if buf.status == http.StatusOK {
				var err error
				if body, err = s.filterScoped(r.Context(), p, body); err != nil {
					s.writeError(w, err)
					return
				}
			}
			w.WriteHeader(buf.status)
			_, _ = w.Write(body)
			return
		}
		h.ServeHTTP(w, r)
	})
}
