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

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	// GenieACS's query and projection (genieacs_query.go).
	gl, gerr := parseGenieACSList(q.Get("query"), q.Get("projection"), q.Has("query"), q.Has("projection"))
	if gerr != nil {
		return badRequest(gerr.Error())
	}
	f := store.DeviceFilter{Model: q.Get("model"), ProductClass: q.Get("productClass"), OUI: q.Get("oui"), Tag: q.Get("tag")}
	for k, dst := range map[string]*time.Time{"lastInformSince": &f.InformSince, "lastInformBefore": &f.InformBefore} {
		if v := q.Get(k); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return badRequest(k + ": want an RFC 3339 time")
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		f.Limit, _ = strconv.Atoi(v)
	}
	online, byOnline := q.Get("online"), q.Has("online")
	if byOnline && online != "true" && online != "false" {
		return badRequest("online: true or false")
	}
	limit := f.Limit
	if gl != nil || byOnline {
		f.Limit = 0 // after the query and the online rule
	}
	ds, err := s.st.Devices(r.Context(), f)
	if err != nil {
		return storeError(err, "devices")
	}
	if byOnline { // ui_online.go: each device's own periodic interval
		if ds, err = s.filterOnline(r.Context(), ds, online == "true", time.Now()); err != nil {
			return storeError(err, "devices")
		}
		if gl == nil && limit > 0 && len(ds) > limit {
			ds = ds[:limit]
		}
	}
	if gl != nil {
		out, err := s.applyGenieACSList(r.Context(), gl, ds, limit)
		if err != nil {
			return storeError(err, "devices")
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	if ds == nil {
		ds = []*store.Device{}
	}
	writeJSON(w, http.StatusOK, ds)
	return nil
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request) error {
	d, err := s.st.Device(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) deleteDevice(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.st.DeleteDevice(r.Context(), id); err != nil {
		return storeError(err, "device")
	}
	s.mu.Lock()
	s.devices.remove(id)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
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

func (s *Server) getParameters(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	ps, err := s.st.Parameters(ctx, d.ID, r.URL.Query().Get("prefix"))
	if err != nil {
		return storeError(err, "parameters")
	}
	if t := s.refreshUnread(r, principalFrom(ctx), d, r.URL.Query().Get("prefix"), ps); t != nil { // discovery_scope.go
		w.Header().Set(HeaderRefreshTask, strconv.FormatInt(t.ID, 10))
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
	return nil
}

func (s *Server) fileURL(ctx context.Context) func(string) (string, uint32, bool) {
	return func(name string) (string, uint32, bool) {
		f, err := s.st.FileInfo(ctx, name) // not the image itself
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

func (s *Server) postTask(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return badRequest(err.Error())
	}
	b := BindDevice(d)
	if b == nil {
		return apiErr(http.StatusConflict, RuleUnboundModel, "the device is bound to no known data model")
	}
	prep, rerr := prepareTask(raw, b, s.fileURL(ctx))
	if rerr == nil {
		rerr = s.fileApplies(ctx, d, &prep.spec) // firmware.go
	}
	if rerr != nil {
		return rerr
	}
	t := storedTask(d.ID, prep)
	if err := s.addTask(ctx, t); err != nil {
		return storeError(err, "task")
	}
	resp := TaskResponse{Task: t}
	if _, ok := r.URL.Query()["connection_request"]; ok {
		resp.ConnectionRequest = s.kick(ctx, d.ID)
	}
	writeJSON(w, http.StatusAccepted, resp)
	return nil
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
	defer func() { s.observeConnReq(udp, err) }()
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

func (s *Server) listDeviceTasks(w http.ResponseWriter, r *http.Request) error {
	return s.writeTasks(w, r, r.PathValue("id"))
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) error {
	return s.writeTasks(w, r, r.URL.Query().Get("device"))
}

func (s *Server) writeTasks(w http.ResponseWriter, r *http.Request, device string) error {
	f := store.TaskFilter{DeviceID: device}
	if st := r.URL.Query().Get("status"); st != "" {
		f.Status = strings.Split(st, ",")
	}
	ts, err := s.st.Tasks(r.Context(), f)
	if err != nil {
		return storeError(err, "tasks")
	}
	if ts == nil {
		ts = []*store.Task{}
	}
	writeJSON(w, http.StatusOK, ts)
	return nil
}

func taskID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
	if err != nil {
		return 0, badRequest("task ids are integers")
	}
	return id, nil
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	t, err := s.st.Task(r.Context(), id)
	if err != nil {
		return storeError(err, "task")
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	t, err := s.st.CancelTask(r.Context(), id)
	if errors.Is(err, store.ErrConflict) {
		return apiErr(http.StatusConflict, RuleConflict, "task "+strconv.FormatInt(id, 10)+" is "+t.Status+": only pending or waiting tasks can be cancelled")
	}
	if err != nil {
		return storeError(err, "task")
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// Conformance is the answer of GET /devices/{id}/conformance: where the
// device breaks its data model.
type Conformance struct {
	Device     string          `json:"device"`
	Model      string          `json:"model"`
	Services   []string        `json:"services"`
	Discovered bool            `json:"discovered"`
	Findings   []store.Finding `json:"findings"`
}

func (s *Server) getConformance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := s.st.Device(ctx, r.PathValue("id"))
	if err != nil {
		return storeError(err, "device")
	}
	fs, err := s.st.Findings(ctx, d.ID)
	if err != nil {
		return storeError(err, "findings")
	}
	out := Conformance{Device: d.ID, Model: d.Model, Services: d.Services, Discovered: d.Discovered, Findings: fs}
	if out.Services == nil {
		out.Services = []string{}
	}
	if out.Findings == nil {
		out.Findings = []store.Finding{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request) error {
	dev := r.PathValue("id")
	if dev == "" {
		dev = r.URL.Query().Get("device")
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	fs, err := s.st.Faults(r.Context(), dev, limit)
	if err != nil {
		return storeError(err, "faults")
	}
	if fs == nil {
		fs = []store.Fault{}
	}
	writeJSON(w, http.StatusOK, fs)
	return nil
}

func (s *Server) tagDevice(w http.ResponseWriter, r *http.Request) error { return s.setTag(w, r, true) }

func (s *Server) untagDevice(w http.ResponseWriter, r *http.Request) error {
	return s.setTag(w, r, false)
}

func (s *Server) setTag(w http.ResponseWriter, r *http.Request, on bool) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.st.Device(ctx, id); err != nil {
		return storeError(err, "device")
	}
	if err := s.st.SetTag(ctx, id, r.PathValue("tag"), on); err != nil {
		return storeError(err, "tag")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.st.Files(r.Context())
	if err != nil {
		return storeError(err, "files")
	}
	if fs == nil {
		fs = []*store.File{}
	}
	writeJSON(w, http.StatusOK, fs)
	return nil
}

// putFile stores a file for Download, streamed into the store;
// metadata in GenieACS's headers (fileType, oui, productClass, version).
func (s *Server) putFile(w http.ResponseWriter, r *http.Request) error {
	if err := checkFileName(r.PathValue("name")); err != nil {
		return badRequest(err.Error())
	}
	f := &store.File{Name: r.PathValue("name"), FileType: r.Header.Get("fileType"), OUI: r.Header.Get("oui"),
		ProductClass: r.Header.Get("productClass"), Version: r.Header.Get("version"),
		ModelName: r.Header.Get("modelName"), FromVersions: splitList(r.Header.Get("fromVersions"))}
	if err := s.storeBody(r, f, s.maxFileSize()); err != nil {
		switch {
		case errors.Is(err, errTooLarge):
			return apiErr(http.StatusRequestEntityTooLarge, "too-large", err.Error())
		case errors.Is(err, errBadBody):
			return badRequest(err.Error())
		}
		return storeError(err, "file")
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

// getFile answers a file's content; an unknown name gets the NBI's JSON
// 404 (the CWMP endpoint's /files answers CPEs in plain text).
func (s *Server) getFile(w http.ResponseWriter, r *http.Request) error {
	fr, err := s.st.OpenFile(r.Context(), r.PathValue("name"))
	if err != nil {
		return storeError(err, "file")
	}
	defer fr.Close()
	serveStored(w, r, fr)
	return nil
}

func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) error {
	if err := s.st.DeleteFile(r.Context(), r.PathValue("name")); err != nil {
		return storeError(err, "file")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// CredentialRequest is the body of PUT /credentials/{user}.
type CredentialRequest struct {
	Password string `json:"password"`
	// Device, when set, binds the credential to one device: it opens
	// sessions for that device only.
	Device string `json:"device,omitempty"`
}

func (s *Server) putCredential(w http.ResponseWriter, r *http.Request) error {
	var body CredentialRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil || body.Password == "" {
		return badRequest(`body: {"password": "...", "device": "optional device id"}`)
	}
	user := r.PathValue("user")
	if strings.HasPrefix(user, fileUserPrefix) || (s.cfg.Auth.Username != "" && user == s.cfg.Auth.Username) {
		return badRequest("user name " + user + " is reserved")
	}
	// Only the Digest HA1s are stored, not the password.
	if err := s.st.PutCredential(r.Context(), user, hashCredential(user, s.cfg.Auth.Realm, body.Password), body.Device); err != nil {
		return storeError(err, "credential")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) error {
	if err := s.st.DeleteCredential(r.Context(), r.PathValue("user")); err != nil {
		return storeError(err, "credential")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
