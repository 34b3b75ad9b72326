package acsref

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// The devices page's filters beyond the store's: online status, virtual
// parameters, and each user's saved filters.

// uiDeviceRow is one row of the devices page.
type uiDeviceRow struct {
	*store.Device
	Online bool
}

// uiFilterMore applies the online and virtual-parameter filters of q.
func (s *Server) uiFilterMore(r *http.Request, q uiDeviceQuery, ds []*store.Device) ([]*store.Device, error) {
	ctx := r.Context()
	switch q.Online {
	case "":
	case "online", "offline":
		var err error
		if ds, err = s.filterOnline(ctx, ds, q.Online == "online", time.Now()); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
	default:
		return nil, &uiError{Status: http.StatusBadRequest, Msg: "online: online or offline"}
	}
	if q.VName == "" {
		return ds, nil
	}
	set, err := s.policySet(ctx)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	if set == nil || !hasVirtual(set, q.VName) {
		return nil, &uiError{Status: http.StatusBadRequest, Msg: "no virtual parameter " + q.VName + " (apply a document of kind Virtual first)"}
	}
	out := ds[:0:0]
	for _, d := range ds {
		// The value the policies see: the device's known state, as GET
		// /devices/{id}/policies shows it.
		_, st, err := s.policyState(ctx, d, false, true)
		if err != nil {
			return nil, fmt.Errorf("device state: %w", err)
		}
		if v, ok := policy.VirtualValues(set, st)[q.VName]; ok && v == q.VValue {
			out = append(out, d)
		}
	}
	return out, nil
}

func hasVirtual(set *policy.Set, name string) bool {
	for _, vs := range set.Virtuals {
		if _, ok := vs[name]; ok {
			return true
		}
	}
	return false
}

// virtualNames lists the virtual parameters of the applied documents.
func (s *Server) virtualNames(r *http.Request) []string {
	set, err := s.policySet(r.Context())
	if err != nil || set == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, vs := range set.Virtuals {
		for n := range vs {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// savedQuery is the devices page's filter as a query string: without the
// CSV format and the page's messages.
func savedQuery(q url.Values) string {
	for _, k := range []string{"format", "msg", "err"} {
		q.Del(k)
	}
	return q.Encode()
}

const uiFilterNameMax = 64

// uiSaveFilter stores the session's user's filter under a name.
func (s *Server) uiSaveFilter(w http.ResponseWriter, r *http.Request, se *uiSession) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	q, err := url.ParseQuery(r.PostFormValue("query"))
	ret := "/ui/devices?" + savedQuery(q)
	switch {
	case err != nil:
		back(w, r, "/ui/devices", "", fmt.Errorf("the filter is no query string: %v", err))
		return
	case name == "" || len(name) > uiFilterNameMax || strings.ContainsAny(name, "\x00\r\n"):
		back(w, r, ret, "", fmt.Errorf("a saved filter needs a name of 1 to %d characters on one line", uiFilterNameMax))
		return
	}
	f := &store.SavedFilter{User: se.p.Name, Name: name, Query: savedQuery(q), Created: time.Now().UTC()}
	err = s.st.PutSavedFilter(r.Context(), f)
	status, result := http.StatusOK, "ok"
	if err != nil {
		s.log.Error("acs: ui: saving a filter", "err", err)
		status, result = http.StatusInternalServerError, "store error"
		err = fmt.Errorf("saving the filter: store error (details in the ACS log)")
	}
	s.auditUI(r, &se.p, "saveFilter", name, status, result)
	back(w, r, ret, "filter "+name+" saved", err)
}

// uiDeleteFilter drops one of the session's user's saved filters.
func (s *Server) uiDeleteFilter(w http.ResponseWriter, r *http.Request, se *uiSession) {
	name := r.PostFormValue("name")
	err := s.st.DeleteSavedFilter(r.Context(), se.p.Name, name)
	status, result := http.StatusOK, "ok"
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		status, result = http.StatusNotFound, "no such filter"
		err = fmt.Errorf("you have no saved filter %q", name)
	default:
		s.log.Error("acs: ui: deleting a filter", "err", err)
		status, result = http.StatusInternalServerError, "store error"
		err = fmt.Errorf("deleting the filter: store error (details in the ACS log)")
	}
	s.auditUI(r, &se.p, "deleteFilter", name, status, result)
	back(w, r, "/ui/devices", "filter "+name+" deleted", err)
}
