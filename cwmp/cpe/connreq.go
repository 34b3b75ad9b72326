package cpe

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/dmforge/dmforge/cwmp/auth"
)

// ConnReqServer is the connection-request listener of one or many agents:
// an http.Handler that routes "/<serial>" to the agent registered under
// it, after Digest authentication with that agent's connection-request
// credentials. An accepted request is answered 200 and starts a session
// with 6 CONNECTION REQUEST; one refused by the agent's rate limit gets
// 503.
type ConnReqServer struct {
	// BaseURL is what ConnectionRequestURLs start with:
	// "http://127.0.0.1:7547".
	BaseURL string

	auth   *auth.Server
	mu     sync.RWMutex
	byPath map[string]*Agent
}

// NewConnReqServer returns a server whose agents' ConnectionRequestURLs
// start with baseURL.
func NewConnReqServer(baseURL string) *ConnReqServer {
	s := &ConnReqServer{BaseURL: strings.TrimSuffix(baseURL, "/"), byPath: map[string]*Agent{}}
	s.auth = &auth.Server{Realm: "dmforge CPE", Algorithms: []string{auth.AlgorithmMD5, auth.AlgorithmSHA256}, LookupRequest: s.lookup}
	return s
}

// lookup checks a user against the current connection-request
// credentials of the agent the request's path names.
func (s *ConnReqServer) lookup(r *http.Request, user string) (string, bool) {
	s.mu.RLock()
	a := s.byPath[r.URL.Path]
	s.mu.RUnlock()
	if a == nil {
		return "", false
	}
	u, p := a.connReqCredentials()
	return p, user == u
}

// URL returns the ConnectionRequestURL of the agent with serial number
// serial; set it as Config.ConnReqURL before New, then Register the agent.
func (s *ConnReqServer) URL(serial string) string { return s.BaseURL + "/" + serial }

// Register routes the agent's connection requests.
func (s *ConnReqServer) Register(a *Agent) {
	s.mu.Lock()
	s.byPath["/"+a.cfg.SerialNumber] = a
	s.mu.Unlock()
}

// ServeHTTP implements http.Handler. An unknown serial number gets the
// same 401 challenge as a wrong password: the answer does not tell which
// serial numbers exist.
func (s *ConnReqServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Authenticated as the current user of the agent the path names
		// (lookup fails for a path that names none).
		s.mu.RLock()
		a := s.byPath[r.URL.Path]
		s.mu.RUnlock()
		if a == nil { // unregistered since authentication
			s.auth.Challenge(w, false)
			return
		}
		if !a.ConnectionRequest() {
			// The rate limit: say when to come back (at most the interval).
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(a.cfg.ConnReqInterval.Seconds()))))
			http.Error(w, "too many connection requests", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})).ServeHTTP(w, r)
}
