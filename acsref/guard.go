package acsref

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// defaultMaxSessionTimeout bounds the session timeout a CPE may propose
// (Config.MaxSessionTimeout): an Inform, perhaps spoofed, holds the
// device's session slot at most this long when it goes silent.
const defaultMaxSessionTimeout = 2 * time.Minute

// maxFileName bounds the names of the files the ACS serves.
const maxFileName = 255

// checkFileName validates the name of a file stored through the NBI: one
// path segment (it goes into Download URLs, escaped), printable, not a
// dot segment, not the uploads' space.
func checkFileName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("file name %q: want a name, not a path", name)
	case len(name) > maxFileName:
		return fmt.Errorf("file name of %d bytes: the limit is %d", len(name), maxFileName)
	case !utf8.ValidString(name):
		return fmt.Errorf("file name %q: not UTF-8", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("file name %q: no / or \\ (one path segment)", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("file name %q: control character %U", name, r)
		}
	}
	return nil
}

// fileURLFor is the URL a CPE fetches a served file from: every path
// segment escaped (a name may hold '#', '?', spaces).
func (s *Server) fileURLFor(name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.baseURL() + "/files/" + strings.Join(segs, "/")
}

// sessionIdentity checks that a request of a live session comes with the
// identity that opened it: under CPE authentication, the credentials of
// another device must not reach its RPCs.
func (s *Server) sessionIdentity(r *http.Request, se *session) bool {
	if s.cwmpAuth == nil {
		return true
	}
	user, _ := auth.User(r.Context())
	return user == se.user
}

// mayActFor reports whether the CPE user authenticated for the request
// may act for deviceID: a per-device credential bound to a device acts for
// that device only. Global credentials (shared by every CPE) and unbound
// per-device ones act for any device.
func (s *Server) mayActFor(ctx context.Context, deviceID string) bool {
	if s.cwmpAuth == nil {
		return true
	}
	user, ok := auth.User(ctx)
	if !ok {
		return false
	}
	if s.cfg.Auth.Username != "" && user == s.cfg.Auth.Username {
		return true
	}
	if dev, ok := fileUserDevice(user); ok {
		return dev == url2name(deviceID)
	}
	_, dev, err := s.st.Credential(ctx, user)
	return err == nil && (dev == "" || dev == deviceID)
}

// uploadTask is the Upload task an upload path "<device>/<task id>"
// names, if it is one that still expects its file (pending: the Upload was
// sent in a live session; waiting: the CPE answered 1, upload to come).
func (s *Server) uploadTask(ctx context.Context, path string) (*store.Task, error) {
	dev, tid, ok := strings.Cut(path, "/")
	id, err := strconv.ParseInt(tid, 10, 64)
	if !ok || err != nil {
		return nil, errors.New("an upload path is <device>/<task id>")
	}
	t, err := s.st.Task(ctx, id)
	if err != nil || url2name(t.DeviceID) != dev || t.Name != "upload" {
		return nil, errors.New("no upload task at this path")
	}
	if t.Status != store.TaskPending && t.Status != store.TaskWaiting {
		return nil, fmt.Errorf("upload task %d is %s: it takes no more files", id, t.Status)
	}
	return t, nil
}

// servedToCPE reports whether a CPE may fetch a stored file: an upload
// ("uploads/<device>/<task id>") only by its own device (a configuration
// backup restored to it).
func (s *Server) servedToCPE(r *http.Request, name string) bool {
	rest, ok := strings.CutPrefix(name, "uploads/")
	if !ok {
		return true
	}
	dev, tid, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(tid, 10, 64)
	if err != nil {
		return false
	}
	t, err := s.st.Task(r.Context(), id)
	return err == nil && url2name(t.DeviceID) == dev && s.mayActFor(r.Context(), t.DeviceID)
}

// transferTaskNames are the tasks a TransferComplete completes.
var transferTaskNames = map[string]bool{"download": true, "upload": true, "scheduleDownload": true}

// completable reports whether a TransferComplete (transfer true) or
// DUStateChangeComplete may complete task t of device dev: same device,
// a task of the matching type that is still open.
func completable(t *store.Task, dev string, transfer bool) bool {
	if t == nil || t.DeviceID != dev || (t.Status != store.TaskWaiting && t.Status != store.TaskPending) {
		return false
	}
	if transfer {
		return transferTaskNames[t.Name]
	}
	return t.Name == "changeDUState"
}

// emptyDeviceID reports an Inform whose DeviceId lacks what identifies a
// device (OUI and SerialNumber): all such CPEs would share one device.
func emptyDeviceID(inf *cwmp.Inform) bool {
	return strings.TrimSpace(inf.DeviceID.OUI) == "" || strings.TrimSpace(inf.DeviceID.SerialNumber) == ""
}

func (s *Server) maxSessionTimeout() time.Duration {
	if s.cfg.MaxSessionTimeout > 0 {
		return s.cfg.MaxSessionTimeout
	}
	return max(defaultMaxSessionTimeout, s.cfg.SessionTimeout)
}

// fileUsersRefused keeps the file credentials (fileCredential) to
// fetching files: they open no session and upload nothing.
func fileUsersRefused(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, _ := auth.User(r.Context()); strings.HasPrefix(user, fileUserPrefix) {
			http.Error(w, "file credentials only fetch files", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
