package acsref

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// Discovery overrides per product class set through the NBI, kept in the
// store (one setting, a JSON map by product class) so that every ACS
// process on a shared store uses them; they win over those of
// Config.DiscoveryByProductClass (flags). Sessions read them from a copy
// at most classOverridesTTL old.
//
//	GET    /discovery/product-classes           every class's override
//	PUT    /discovery/product-classes/{class}   set one (a DiscoveryStrategy)
//	DELETE /discovery/product-classes/{class}   forget one

const settingClassOverrides = "discovery.productClasses"

// classOverridesTTL bounds how stale a process's copy may be.
const classOverridesTTL = 5 * time.Second

type classOverrides struct {
	mu     sync.Mutex // also serialises this process's updates
	loaded time.Time
	byPC   map[string]DiscoveryStrategy
}

func init() {
	nbiRoutes = append(nbiRoutes,
		Route{Method: "GET", Pattern: "/discovery/product-classes", OperationID: "listProductClassDiscovery", Tag: "devices",
			Summary:   "The discovery override of each product class (set through the NBI, or by --discovery flags)",
			Responses: []Response{ok(200, []ProductClassDiscovery{})}, Handle: (*Server).listClassDiscovery},
		// A product class's override changes how every device of the
		// class is discovered: the admin's, not an operator's.
		Route{Method: "PUT", Pattern: "/discovery/product-classes/{class}", OperationID: "putProductClassDiscovery", Tag: "devices", Access: AccessAdmin,
			Summary: "Set the discovery override of a product class (every device of the class, under its own override)", Body: jsonBody(DiscoveryStrategy{}),
			Responses: []Response{empty(204), fail(400, "an unknown key or a bad value")}, Handle: (*Server).putClassDiscovery},
		Route{Method: "DELETE", Pattern: "/discovery/product-classes/{class}", OperationID: "deleteProductClassDiscovery", Tag: "devices", Access: AccessAdmin,
			Summary:   "Forget the NBI's discovery override of a product class",
			Responses: []Response{empty(204), fail(404, "the class has no override set through the NBI")}, Handle: (*Server).putClassDiscovery},
	)
}

// ProductClassDiscovery is one product class's override; Source says
// where it comes from: "nbi" (stored) or "config" (flags).
type ProductClassDiscovery struct {
	ProductClass string            `json:"productClass"`
	Override     DiscoveryStrategy `json:"override"`
	Source       string            `json:"source"`
}

// storedClassOverrides reads the stored overrides (from the copy when
// fresh, or with force from the store).
func (s *Server) storedClassOverrides(ctx context.Context, force bool) (map[string]DiscoveryStrategy, error) {
	c := &s.classDiscovery
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.byPC != nil && time.Since(c.loaded) < classOverridesTTL {
		return c.byPC, nil
	}
	m := map[string]DiscoveryStrategy{}
	v, err := s.st.Setting(ctx, settingClassOverrides)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("setting %s: %w", settingClassOverrides, err)
		}
	}
	c.byPC, c.loaded = m, time.Now()
	return m, nil
}

// classOverride is the override of a product class: the NBI's, else the
// flags'.
func (s *Server) classOverride(ctx context.Context, pc string) (DiscoveryStrategy, bool) {
	if m, err := s.storedClassOverrides(ctx, false); err == nil {
		if o, ok := m[pc]; ok {
			return o, true
		}
	} else {
		s.log.Warn("acs: reading product-class discovery overrides", "err", err)
	}
	o, ok := s.cfg.DiscoveryByProductClass[pc]
	return o, ok
}

func (s *Server) listClassDiscovery(w http.ResponseWriter, r *http.Request) error {
	m, err := s.storedClassOverrides(r.Context(), true)
	if err != nil {
		return storeError(err, "discovery overrides")
	}
	out := []ProductClassDiscovery{}
	for pc, o := range m {
		out = append(out, ProductClassDiscovery{ProductClass: pc, Override: o, Source: "nbi"})
	}
	for pc, o := range s.cfg.DiscoveryByProductClass {
		if _, ok := m[pc]; !ok {
			out = append(out, ProductClassDiscovery{ProductClass: pc, Override: o, Source: "config"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProductClass < out[j].ProductClass })
	writeJSON(w, http.StatusOK, out)
	return nil
}

// putClassDiscovery sets (PUT) or forgets (DELETE) a class's override:
// read, change and store the map under this process's lock.
func (s *Server) putClassDiscovery(w http.ResponseWriter, r *http.Request) error {
	ctx, pc := r.Context(), r.PathValue("class")
	var o DiscoveryStrategy
	if r.Method == http.MethodPut {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return badRequest("discovery override: " + err.Error())
		}
		if err := o.Check(); err != nil {
			return badRequest("discovery override: " + err.Error())
		}
	}
	cur, err := s.storedClassOverrides(ctx, true)
	if err != nil {
		return storeError(err, "discovery overrides")
	}
	m := make(map[string]DiscoveryStrategy, len(cur)+1)
	for k, v := range cur {
		m[k] = v
	}
	if r.Method == http.MethodDelete {
		if _, ok := m[pc]; !ok {
			return apiErr(http.StatusNotFound, RuleNotFound, fmt.Sprintf("product class %q has no discovery override set through the NBI", pc))
		}
		delete(m, pc)
	} else {
		m[pc] = o
	}
	b, _ := json.Marshal(m)
	c := &s.classDiscovery
	c.mu.Lock()
	_, err = s.st.PutSetting(ctx, settingClassOverrides, string(b), false)
	if err == nil {
		c.byPC, c.loaded = m, time.Now()
	}
	c.mu.Unlock()
	if err != nil {
		return storeError(err, "discovery overrides")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
