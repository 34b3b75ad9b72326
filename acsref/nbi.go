package acsref

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// NBIHandler is the northbound REST/JSON interface. Errors are
// {"error": "...", "path": "...", "rule": "..."} with a 4xx/5xx status.
func (s *Server) NBIHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, openAPI)
	})
	api := http.NewServeMux()
	api.HandleFunc("GET /devices", s.listDevices)
	api.HandleFunc("GET /devices/{id}", s.getDevice)
	api.HandleFunc("DELETE /devices/{id}", s.deleteDevice)
	api.HandleFunc("GET /devices/{id}/parameters", s.getParameters)
	api.HandleFunc("POST /devices/{id}/tasks", s.postTask)
	api.HandleFunc("GET /devices/{id}/tasks", s.listDeviceTasks)
	api.HandleFunc("GET /devices/{id}/conformance", s.getConformance)
	api.HandleFunc("POST /devices/{id}/probe", s.postProbe)
	api.HandleFunc("GET /devices/{id}/probe", s.getProbe)
	api.HandleFunc("GET /devices/{id}/faults", s.listFaults)
	api.HandleFunc("GET /devices/{id}/discovery", s.getDiscovery)
	api.HandleFunc("PUT /devices/{id}/discovery", s.putDiscovery)
	api.HandleFunc("DELETE /devices/{id}/discovery", s.putDiscovery)
	api.HandleFunc("POST /devices/{id}/tags/{tag}", s.setTag(true))
	api.HandleFunc("DELETE /devices/{id}/tags/{tag}", s.setTag(false))
	api.HandleFunc("GET /tasks", s.listTasks)
	api.HandleFunc("GET /tasks/{tid}", s.getTask)
	api.HandleFunc("DELETE /tasks/{tid}", s.deleteTask)
	api.HandleFunc("GET /faults", s.listFaults)
	api.HandleFunc("GET /files", s.listFiles)
	api.HandleFunc("PUT /files/{name}", s.putFile)
	api.HandleFunc("GET /files/{name...}", s.serveFile)
	api.HandleFunc("DELETE /files/{name...}", s.deleteFile)
	api.HandleFunc("PUT /credentials/{user}", s.putCredential)
	api.HandleFunc("DELETE /credentials/{user}", s.deleteCredential)
	s.policyRoutes(api) // nbi_policy.go
	s.conformanceRoutes(api)
	mux.Handle("/", s.nbiGuard(api))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeErr(w http.ResponseWriter, status int, e *RuleError) { writeJSON(w, status, e) }

func (s *Server) storeErr(w http.ResponseWriter, err error, what string) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeErr(w, http.StatusNotFound, &RuleError{Rule: "not-found", Msg: what + " not found"})
	case errors.Is(err, store.ErrConflict):
		writeErr(w, http.StatusConflict, &RuleError{Rule: "conflict", Msg: err.Error()})
	default:
		// The error may name the database's user, host and name: the
		// log only.
		s.log.Error("acs: nbi", "err", err)
		writeErr(w, http.StatusInternalServerError, &RuleError{Rule: "internal", Msg: what + ": store error (details in the ACS log)"})
	}
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// GenieACS's query and projection (genieacs_query.go).
	gl, gerr := parseGenieACSList(q.Get("query"), q.Get("projection"), q.Has("query"), q.Has("projection"))
	if gerr != nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: gerr.Error()})
		return
	}
	f := store.DeviceFilter{Model: q.Get("model"), ProductClass: q.Get("productClass"), OUI: q.Get("oui"), Tag: q.Get("tag")}
	for k, dst := range map[string]*time.Time{"lastInformSince": &f.InformSince, "lastInformBefore": &f.InformBefore} {
		if v := q.Get(k); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: k + ": want an RFC 3339 time"})
				return
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		f.Limit, _ = strconv.Atoi(v)
	}
	limit := f.Limit
	if gl != nil {
		f.Limit = 0 // after the query
	}
	ds, err := s.st.Devices(r.Context(), f)
	if err != nil {
		s.storeErr(w, err, "devices")
		return
	}
	if gl != nil {
		out, err := s.applyGenieACSList(r.Context(), gl, ds, limit)
		if err != nil {
			s.storeErr(w, err, "devices")
			return
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if ds == nil {
		ds = []*store.Device{}
	}
	writeJSON(w, http.StatusOK, ds)
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request) {
	d, err := s.st.Device(r.Context(), r.PathValue("id"))
	if err != nil {
		s.storeErr(w, err, "device")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) deleteDevice(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.st.DeleteDevice(r.Context(), id); err != nil {
		s.storeErr(w, err, "device")
		return
	}
	s.mu.Lock()
	delete(s.devices, id)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// ParameterView is one entry of GET /devices/{id}/parameters: the stored
// value with the type and access the data model gives the path.
type ParameterView struct {
	Name     string    `json:"name"`
	Value    string    `json:"value"`
	Type     string    `json:"type,omitempty"`     // as reported
	Writable *bool     `json:"writable,omitempty"` // as reported
	Object   bool      `json:"object,omitempty"`
	Access   string    `json:"access,omitempty"`    // the model's
	Syntax   string    `json:"modelType,omitempty"` // the model's
	Model    string    `json:"model,omitempty"`     // the model defining it; "" if none
	Updated  time.Time `json:"updated"`
}

func (s *Server) getParameters(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		s.storeErr(w, err, "device")
		return
	}
	ps, err := s.st.Parameters(ctx, d.ID, r.URL.Query().Get("prefix"))
	if err != nil {
		s.storeErr(w, err, "parameters")
		return
	}
	b := BindDevice(d)
	out := make([]ParameterView, 0, len(ps))
	for _, p := range ps {
		v := ParameterView{Name: p.Name, Value: p.Value, Type: p.Type, Writable: p.Writable, Object: p.Object, Updated: p.Updated}
		if b != nil {
			if e, sc, ok := b.Lookup(p.Name); ok {
				v.Access, v.Model = string(e.Access), sc.Model
				if e.Syntax != nil {
					v.Syntax = "xsd:" + string(e.Syntax.WireType())
				}
			}
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) fileURL(ctx context.Context) func(string) (string, uint32, bool) {
	return func(name string) (string, uint32, bool) {
		f, err := s.st.File(ctx, name)
		if err != nil {
			return "", 0, false
		}
		return s.fileURLFor(name), uint32(f.Size), true
	}
}

// TaskResponse is the answer to POST /devices/{id}/tasks.
type TaskResponse struct {
	*store.Task
	ConnectionRequest string `json:"connectionRequest,omitempty"` // "ok" or the error
}

func (s *Server) postTask(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		s.storeErr(w, err, "device")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: err.Error()})
		return
	}
	b := BindDevice(d)
	if b == nil {
		writeErr(w, http.StatusConflict, &RuleError{Rule: RuleUnboundModel, Msg: "the device is bound to no known data model"})
		return
	}
	prep, rerr := prepareTask(raw, b, s.fileURL(ctx))
	if rerr != nil {
		writeErr(w, http.StatusBadRequest, rerr)
		return
	}
	spec, _ := json.Marshal(prep.spec)
	t := &store.Task{DeviceID: d.ID, Name: prep.spec.Name, Spec: spec}
	if err := s.addTask(ctx, t); err != nil {
		s.storeErr(w, err, "task")
		return
	}
	resp := TaskResponse{Task: t}
	if _, ok := r.URL.Query()["connection_request"]; ok {
		resp.ConnectionRequest = s.kick(ctx, d.ID)
	}
	writeJSON(w, http.StatusAccepted, resp)
}

// ConnectionRequest asks the device to open a session: an HTTP GET to its
// ConnectionRequestURL with Digest (or Basic) authentication, using its
// stored ConnectionRequestUsername/Password or the configured ones; or,
// for a device behind NAT, a UDP Connection Request signed with them
// (udpcr.go), which has no answer.
func (s *Server) ConnectionRequest(ctx context.Context, deviceID string) error {
	_, err := s.connectionRequest(ctx, deviceID)
	return err
}

// connectionRequest is ConnectionRequest; udp tells that the request went
// over UDP.
func (s *Server) connectionRequest(ctx context.Context, deviceID string) (udp bool, err error) {
	d, err := s.device(ctx, deviceID)
	if err != nil {
		return false, err
	}
	user, pass := s.cfg.ConnReqUsername, s.cfg.ConnReqPassword
	ownUser, ownPass := false, false // the device's own, not the global ones
	ps, err := s.st.Parameters(ctx, d.ID, d.Root+"ManagementServer.")
	if err == nil {
		for _, p := range ps {
			switch strings.TrimPrefix(p.Name, d.Root+"ManagementServer.") {
			case "ConnectionRequestUsername":
				if p.Value != "" {
					user, ownUser = p.Value, true
				}
			case "ConnectionRequestPassword":
				if p.Value != "" {
					pass, ownPass = p.Value, true
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if addr := s.udpTarget(d, ps); addr != "" {
		return true, s.udpConnectionRequest(ctx, d.ID, addr, user, pass)
	}
	if d.ConnReqURL == "" {
		return false, errors.New("the device reported no ConnectionRequestURL")
	}
	global := !ownPass && pass != "" || !ownUser && user != ""
	return false, s.httpConnectionRequest(ctx, d.ConnReqURL, user, pass, global)
}

// httpConnectionRequest GETs the ConnectionRequestURL; global tells that
// the credentials are the configured ones (crClient restricts where they
// go).
func (s *Server) httpConnectionRequest(ctx context.Context, crURL, user, pass string, global bool) error {
	client, err := s.crClient(ctx, crURL, user, pass, global)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, crURL, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("connection request: %w", err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		// A CPE that rate-limits connection requests (503 with a short
		// Retry-After) gets one more try once the limit has passed.
		wait, werr := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusServiceUnavailable || attempt > 0 || werr != nil || wait < 0 || wait > 5 {
			return fmt.Errorf("connection request: HTTP %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("connection request: HTTP %s", resp.Status)
		case <-time.After(time.Duration(wait)*time.Second + 50*time.Millisecond):
		}
	}
}

func (s *Server) listDeviceTasks(w http.ResponseWriter, r *http.Request) {
	s.writeTasks(w, r, r.PathValue("id"))
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	s.writeTasks(w, r, r.URL.Query().Get("device"))
}

func (s *Server) writeTasks(w http.ResponseWriter, r *http.Request, device string) {
	f := store.TaskFilter{DeviceID: device}
	if st := r.URL.Query().Get("status"); st != "" {
		f.Status = strings.Split(st, ",")
	}
	ts, err := s.st.Tasks(r.Context(), f)
	if err != nil {
		s.storeErr(w, err, "tasks")
		return
	}
	if ts == nil {
		ts = []*store.Task{}
	}
	writeJSON(w, http.StatusOK, ts)
}

func taskID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
	if err != nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: "task ids are integers"})
		return 0, false
	}
	return id, true
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id, ok := taskID(w, r)
	if !ok {
		return
	}
	t, err := s.st.Task(r.Context(), id)
	if err != nil {
		s.storeErr(w, err, "task")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) {
	id, ok := taskID(w, r)
	if !ok {
		return
	}
	t, err := s.st.CancelTask(r.Context(), id)
	if errors.Is(err, store.ErrConflict) {
		writeErr(w, http.StatusConflict, &RuleError{Rule: "conflict", Msg: "task " + strconv.FormatInt(id, 10) + " is " + t.Status + ": only pending or waiting tasks can be cancelled"})
		return
	}
	if err != nil {
		s.storeErr(w, err, "task")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) getConformance(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.st.Device(ctx, r.PathValue("id"))
	if err != nil {
		s.storeErr(w, err, "device")
		return
	}
	fs, err := s.st.Findings(ctx, d.ID)
	if err != nil {
		s.storeErr(w, err, "findings")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"device": d.ID, "model": d.Model, "services": d.Services, "discovered": d.Discovered, "findings": fs})
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request) {
	dev := r.PathValue("id")
	if dev == "" {
		dev = r.URL.Query().Get("device")
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	fs, err := s.st.Faults(r.Context(), dev, limit)
	if err != nil {
		s.storeErr(w, err, "faults")
		return
	}
	writeJSON(w, http.StatusOK, fs)
}

func (s *Server) setTag(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := r.PathValue("id")
		if _, err := s.st.Device(ctx, id); err != nil {
			s.storeErr(w, err, "device")
			return
		}
		if err := s.st.SetTag(ctx, id, r.PathValue("tag"), on); err != nil {
			s.storeErr(w, err, "tag")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	fs, err := s.st.Files(r.Context())
	if err != nil {
		s.storeErr(w, err, "files")
		return
	}
	writeJSON(w, http.StatusOK, fs)
}

// putFile stores a file for Download; metadata in GenieACS's headers
// (fileType, oui, productClass, version).
func (s *Server) putFile(w http.ResponseWriter, r *http.Request) {
	if err := checkFileName(r.PathValue("name")); err != nil {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: err.Error()})
		return
	}
	data, err := readBounded(r, s.maxFileSize())
	if err != nil {
		bodyErr(w, err)
		return
	}
	f := &store.File{Name: r.PathValue("name"), FileType: r.Header.Get("fileType"), OUI: r.Header.Get("oui"),
		ProductClass: r.Header.Get("productClass"), Version: r.Header.Get("version"), Data: data}
	if err := s.st.PutFile(r.Context(), f); err != nil {
		s.storeErr(w, err, "file")
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) {
	if err := s.st.DeleteFile(r.Context(), r.PathValue("name")); err != nil {
		s.storeErr(w, err, "file")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) putCredential(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Password string `json:"password"`
		Device   string `json:"device"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil || body.Password == "" {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: `body: {"password": "...", "device": "optional device id"}`})
		return
	}
	user := r.PathValue("user")
	if strings.HasPrefix(user, fileUserPrefix) || (s.cfg.Auth.Username != "" && user == s.cfg.Auth.Username) {
		writeErr(w, http.StatusBadRequest, &RuleError{Rule: RuleArgument, Msg: "user name " + user + " is reserved"})
		return
	}
	// Only the Digest HA1s are stored, not the password.
	if err := s.st.PutCredential(r.Context(), user, hashCredential(user, s.cfg.Auth.Realm, body.Password), body.Device); err != nil {
		s.storeErr(w, err, "credential")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	if err := s.st.DeleteCredential(r.Context(), r.PathValue("user")); err != nil {
		s.storeErr(w, err, "credential")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
