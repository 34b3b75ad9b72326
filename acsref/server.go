// Package acsref is dmforge's reference ACS: a CWMP (TR-069) endpoint that
// runs sessions with CPEs, a task queue checked against the BBF data model
// each device is bound to, conformance findings for what devices report,
// connection requests, and a REST/JSON northbound interface (NBI) shaped
// like GenieACS's.
//
// Unlike an ACS that stores whatever a CPE says, acsref knows the data
// model: it refuses a task that cannot be right (unknown path, read-only
// parameter, wrong type, value outside its facets) and records where a
// device breaks the standard (wrong types, out-of-range values, access
// flags contradicting the standard, non-standard names, missing required
// parameters).
package acsref

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/auth"
	"golang.org/x/sync/semaphore"
)

// CPEAuth configures how CPEs authenticate to the CWMP endpoint. With no
// Username and PerDevice false, CPEs are not authenticated.
type CPEAuth struct {
	// Username and Password are the global credentials.
	Username, Password string
	// PerDevice also accepts the per-device credentials of the store
	// (PUT /credentials/{username} on the NBI); a credential bound to a
	// device only opens sessions for that device.
	PerDevice bool
	// Basic also accepts Basic authentication (Digest is always offered).
	Basic bool
	// Realm of the challenges; "dmforge-acs" if empty.
	Realm string
}

func (a CPEAuth) enabled() bool { return a.Username != "" || a.PerDevice }

// Config configures a Server. Zero values are sensible except Store,
// which is required.
type Config struct {
	CWMPAddr string // default 127.0.0.1:7547
	NBIAddr  string // default 127.0.0.1:7557
	Store    store.Store
	Auth     CPEAuth
	// TLS, when set, makes the CWMP endpoint HTTPS (the files and uploads
	// served on it too); with ClientCAs and ClientAuth it checks CPE
	// certificates. See LoadTLS and SelfSignedTLS.
	TLS *tls.Config
	// NBIToken, when set, is a bearer token every NBI request but
	// /openapi.json may carry instead of the admin API key.
	NBIToken string
	// NBIAccess: the NBI's credentials and browser checks (nbiauth.go).
	NBIAccess NBIAccess
	// AllowUnauthenticatedCPEs lets the CWMP endpoint listen beyond
	// loopback without CPE authentication.
	AllowUnauthenticatedCPEs bool
	// SessionTimeout ends a session whose CPE stays silent this long;
	// default 30s.
	SessionTimeout time.Duration
	// MaxFileSize bounds NBI PUT /files (default 256 MiB),
	// MaxUploadSize the files CPEs upload (default 64 MiB): 413 beyond.
	MaxFileSize, MaxUploadSize int64
	// MaxSessions bounds concurrent CWMP sessions: beyond it an Inform
	// gets 503 with Retry-After. Default 256 per CPU.
	MaxSessions int
	// MaxFirstContacts bounds, within MaxSessions, the concurrent
	// sessions of CPEs that bootstrap ("0 BOOTSTRAP") when discovery is
	// on: a first contact then runs discovery, by far the heaviest session, and a burst of them
	// admitted at once makes every one slow. Beyond it the Inform gets
	// 503 with a short, spread Retry-After (TR-069 3.7.1.5), so admitted
	// first contacts stay quick and the rest come back soon. Default 32
	// per CPU; negative: no separate bound.
	MaxFirstContacts int
	// DecodeMemory bounds the memory of the SOAP decodes running at once
	// (a request waits, then gets 503); default a quarter of the
	// machine's memory.
	DecodeMemory int64
	// BodyGrace and BodyMinRate: a request body must arrive within
	// BodyGrace plus one second per BodyMinRate bytes, or the connection
	// is dropped; defaults 10 s and 1 KiB/s.
	BodyGrace   time.Duration
	BodyMinRate int64
	// MaxSessionTimeout caps the SessionTimeout a CPE may propose in its
	// Inform; default the larger of 2 minutes and SessionTimeout.
	MaxSessionTimeout time.Duration
	// NoDiscovery skips the discovery (GetParameterNames and
	// GetParameterValues of the whole tree) on first contact and after
	// BOOTSTRAP; the conformance checks of names and required parameters
	// need it.
	NoDiscovery bool
	// DeviceCache is the number of recent devices kept in memory per
	// cache generation (at most twice as many are held; default 20,000);
	// the others are read from the store when they inform.
	DeviceCache int
	// InformGet lists parameters (or partial paths) read with a
	// GetParameterValues in every session, after the queued tasks: a
	// standing provision. Values are stored and model-checked.
	InformGet []string
	// ConnReqUsername and ConnReqPassword are the connection request
	// credentials used when the device's stored
	// ManagementServer.ConnectionRequestUsername/Password are empty.
	ConnReqUsername, ConnReqPassword string
	// ConnReqAllowedNets are the networks (CIDRs) the global ConnReq
	// credentials may be sent to; DefaultConnReqNets if empty (add
	// LoopbackNets for CPEs on the ACS's host). ConnReqBasic answers a
	// CPE's Basic challenge (the password in clear); Digest only if false.
	ConnReqAllowedNets []string
	ConnReqBasic       bool
	// PublicURL is the base URL at which CPEs reach the CWMP endpoint, for
	// the URLs of served files and uploads; default http://CWMPAddr.
	PublicURL string
	// Logger receives session and error logs; slog.Default() if nil.
	Logger *slog.Logger
	// HTTPClientTransport carries connection requests;
	// http.DefaultTransport if nil.
	HTTPClientTransport http.RoundTripper

	// MaxNoAnswer is the number of RPCs of a task that may go unanswered
	// before the task faults (default 3); RetryBackoff the wait before the
	// first retry, doubling with each no-answer (default 5s). outcome.go.
	MaxNoAnswer  int
	RetryBackoff time.Duration
	// DiscoveryByProductClass overrides the discovery strategy of the
	// devices of a product class (discovery.go).
	DiscoveryByProductClass map[string]DiscoveryStrategy

	// STUNAddr, when set, is the UDP address of a STUN server for CPEs
	// behind NAT (TR-111 Part 2, stun.go): it records their bindings,
	// and connection requests to them go over UDP (TR-069 Annex G).
	// STUNPassword, when set, is required of them (MESSAGE-INTEGRITY).
	STUNAddr, STUNPassword string

	// MetricsAddr, when set, serves /metrics on its own loopback address
	// without credentials; otherwise /metrics is on the NBI, behind its
	// credentials (metrics.go).
	MetricsAddr string
	// RunRetention is how many conformance runs, and how many
	// diagnostics, the store keeps per device (10 runs and 20
	// diagnostics if zero); running ones are always kept.
	RunRetention int
	// RecordLease is how long a running conformance run or diagnostic of
	// a process on a shared store may go unsaved before the other
	// processes take it as orphaned (its process stopped); the running
	// process saves it every quarter of it. 2 minutes if zero.
	RecordLease time.Duration
}

// Server is a running (or runnable) reference ACS.
type Server struct {
	cfg Config
	st  store.Store
	log *slog.Logger
	// confs and diags are the conformance runs (with the devices they
	// watch) and the diagnostics this process runs.
	confs *confState
	diags *diagState
	// endpointTLS is the certificate for the second endpoints of
	// conformance runs alone (SetEndpointTLS), nil if none.
	endpointTLS atomic.Pointer[tls.Config]
	// shared is the store when several ACS processes may use it
	// (store.Shared): then devices, pending and flagged are not trusted
	// (another process changes the store), and a device's session is
	// locked in the store as well as in byDevice.
	shared store.Shared

	cwmpAuth *auth.Server

	mu       sync.Mutex
	sessions map[string]*session // by cookie
	// firstContacts counts the sessions admitted under MaxFirstContacts.
	firstContacts int
	byDevice      map[string]*session
	byConn        map[string]*session // by the CPE's remote address (CPEs without cookies)
	devices       *deviceCache        // recent devices (no tags), bounded; unused when shared
	// pending holds the devices that may have pending tasks, with a
	// count bumped by every addTask; sessions of the others skip the task
	// query (not when shared).
	pending map[string]uint64
	// flagged holds the devices with conformance findings: their
	// conforming reports resolve older value findings (all devices count
	// as flagged when shared).
	flagged map[string]bool

	publicURL string

	closeOnce sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup
	servers   []*http.Server
	cwmpLn    net.Listener
	nbiLn     net.Listener
	stun      *stunServer // nil without Config.STUNAddr

	decodeSem    *semaphore.Weighted // decode memory (limits.go)
	adminKeyHash string              // SHA-256 hex of the NBI admin API key
	crNets       []*net.IPNet        // where global connection-request credentials may go
	fileSecret   []byte              // key of the file credentials (credhash.go)
	newAdminKey  string              // the key made by New, shown once
	ui           uiState             // web UI sessions and login limits (ui.go)
	policies     policyEngine        // auto-configuration (policies.go)
	// classDiscovery holds the product classes' discovery overrides set
	// through the NBI (discovery_class.go).
	classDiscovery classOverrides
	// campaignClock replaces time.Now for campaigns (tests).
	campaignClock atomic.Pointer[func() time.Time]
	metrics       *metrics     // metrics.go
	metricsLn     net.Listener // Config.MetricsAddr's
}

// New returns a server for cfg; Start listens, or use CWMPHandler and
// NBIHandler directly.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("acsref: Config.Store is required")
	}
	if cfg.CWMPAddr == "" {
		cfg.CWMPAddr = "127.0.0.1:7547"
	}
	if cfg.NBIAddr == "" {
		cfg.NBIAddr = "127.0.0.1:7557"
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 30 * time.Second
	}
	if cfg.Auth.Realm == "" {
		cfg.Auth.Realm = "dmforge-acs"
	}
	s := &Server{
		cfg:       cfg,
		st:        cfg.Store,
		log:       cfg.Logger,
		sessions:  map[string]*session{},
		byDevice:  map[string]*session{},
		byConn:    map[string]*session{},
		devices:   newDeviceCache(cfg.DeviceCache),
		pending:   map[string]uint64{},
		flagged:   map[string]bool{},
		confs:     newConfState(),
		diags:     &diagState{running: map[string]*Diagnostic{}},
		stop:      make(chan struct{}),
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.initObservability(); err != nil {
		return nil, err
	}
	if sh, ok := cfg.Store.(store.Shared); ok {
		s.shared = sh
	} else if err := s.loadCaches(); err != nil {
		return nil, err
	}
	s.decodeSem = semaphore.NewWeighted(s.decodeBudget())
	nets := cfg.ConnReqAllowedNets
	if len(nets) == 0 {
		nets = DefaultConnReqNets
	}
	var err error
	if s.crNets, err = parseNets(nets); err != nil {
		return nil, err
	}
	if err := s.initNBIAccess(context.Background()); err != nil {
		return nil, err
	}
	if cfg.Auth.enabled() {
		if err := s.initFileSecret(context.Background()); err != nil {
			return nil, err
		}
		s.cwmpAuth = &auth.Server{Realm: cfg.Auth.Realm, Basic: cfg.Auth.Basic, LookupHA1: s.lookupHA1}
	}
	s.wg.Add(2)
	go s.janitor()
	go s.campaignLoop(campaignLoopPeriod) // campaigns.go
	return s, nil
}

// loadCaches fills the caches of a store only this process uses: pending
// and flagged hold every device with pending tasks or findings. Devices
// themselves are read when they inform (the device cache is bounded).
func (s *Server) loadCaches() error {
	ctx := context.Background()
	ids, err := s.st.PendingDevices(ctx)
	if err != nil {
		return fmt.Errorf("acsref: reading pending tasks: %w", err)
	}
	for _, id := range ids {
		s.pending[id] = 1
	}
	if ids, err = s.st.FindingDevices(ctx); err != nil {
		return fmt.Errorf("acsref: reading findings: %w", err)
	}
	for _, id := range ids {
		s.flagged[id] = true
	}
	return nil
}

// SetPublicURL sets the base URL CPEs reach the CWMP endpoint at (for
// tests that serve CWMPHandler with httptest).
func (s *Server) SetPublicURL(u string) {
	s.mu.Lock()
	s.publicURL = strings.TrimSuffix(u, "/")
	s.mu.Unlock()
}

func (s *Server) baseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.publicURL != "" {
		return s.publicURL
	}
	return s.cwmpScheme() + "://" + s.cfg.CWMPAddr
}

// Start listens on the CWMP and NBI addresses and serves until ctx ends
// or Close is called.
func (s *Server) Start(ctx context.Context) error {
	if s.cfg.TLS != nil && len(s.cfg.TLS.Certificates) == 0 && s.cfg.TLS.GetCertificate == nil {
		return errNoTLSCert
	}
	if err := s.checkExposure(s.cfg.CWMPAddr); err != nil {
		return err
	}
	cl, err := net.Listen("tcp", s.cfg.CWMPAddr)
	if err != nil {
		return fmt.Errorf("acsref: CWMP listener: %w", err)
	}
	if s.cfg.TLS != nil {
		cl = tls.NewListener(cl, s.cfg.TLS)
	}
	nl, err := net.Listen("tcp", s.cfg.NBIAddr)
	if err != nil {
		cl.Close()
		return fmt.Errorf("acsref: NBI listener: %w", err)
	}
	s.cwmpLn, s.nbiLn = cl, nl
	if err := s.startMetrics(); err != nil {
		cl.Close()
		nl.Close()
		return err
	}
	if s.cfg.STUNAddr != "" {
		if err := s.startSTUN(); err != nil {
			cl.Close()
			nl.Close()
			return err
		}
	}
	s.mu.Lock()
	if s.publicURL == "" {
		s.publicURL = s.cwmpScheme() + "://" + cl.Addr().String()
	}
	s.mu.Unlock()
	for _, p := range []struct {
		ln net.Listener
		h  http.Handler
	}{{cl, s.CWMPHandler()}, {nl, s.NBIHandler()}} {
		srv := &http.Server{Handler: s.bodyGuard(p.h), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
			// TLS handshake failures and the like are the CPE's business:
			// logged at debug level, not on stderr; accept errors at warn.
			ErrorLog: log.New(serverErrorLog(s.log.Handler()), "", 0)}
		s.servers = append(s.servers, srv)
		s.wg.Add(1)
		go func(srv *http.Server, ln net.Listener) {
			defer s.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("acs: serve", "err", err)
			}
		}(srv, p.ln)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			s.shutdown()
		case <-s.stop:
		}
	}()
	return nil
}

// CWMPURL is the URL of the CWMP endpoint once started.
func (s *Server) CWMPURL() string {
	if s.cwmpLn == nil {
		return ""
	}
	return s.cwmpScheme() + "://" + s.cwmpLn.Addr().String() + "/"
}

func (s *Server) cwmpScheme() string {
	if s.cfg.TLS != nil {
		return "https"
	}
	return "http"
}

// NBIURL is the URL of the NBI once started.
func (s *Server) NBIURL() string {
	if s.nbiLn == nil {
		return ""
	}
	return "http://" + s.nbiLn.Addr().String()
}

func (s *Server) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	s.stun.close()
}

// Close stops the listeners, ends live sessions (committing what they
// recorded) and stops the server. It does not close the store.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.shutdown()
		close(s.stop)
	})
	s.wg.Wait()
	s.mu.Lock()
	live := make([]*session, 0, len(s.sessions))
	for _, se := range s.sessions {
		live = append(live, se)
	}
	s.mu.Unlock()
	for _, se := range live {
		s.endSession(se, "acs closing")
	}
	return nil
}

// janitor ends sessions whose CPE has been silent longer than the
// session timeout.
func (s *Server) janitor() {
	defer s.wg.Done()
	period := s.cfg.SessionTimeout / 4
	if period > time.Second {
		period = time.Second
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			var expired []*session
			for _, se := range s.sessions {
				if now.Sub(se.lastSeen()) > se.timeout {
					expired = append(expired, se)
				}
			}
			s.mu.Unlock()
			for _, se := range expired {
				s.endSession(se, "session timeout")
			}
		}
	}
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DeviceID forms a device id from the Inform's DeviceId as GenieACS does:
// OUI-ProductClass-SerialNumber (OUI-SerialNumber without a product
// class), each part with every character but ASCII letters, digits and
// "_" percent-encoded as UTF-8.
func DeviceID(oui, productClass, serial string) string {
	if productClass == "" {
		return escapeID(oui) + "-" + escapeID(serial)
	}
	return escapeID(oui) + "-" + escapeID(productClass) + "-" + escapeID(serial)
}

func escapeID(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// addTask stores a task and notes that its device has work: before
// storing it, so that a session opening meanwhile reads the store, and
// again after, so that a session that read the store before the task was
// in it, found nothing and is about to forget the note (loadQueue) sees
// the count move and keeps it.
func (s *Server) addTask(ctx context.Context, t *store.Task) error {
	if s.shared == nil {
		s.mu.Lock()
		s.pending[t.DeviceID]++
		s.mu.Unlock()
	}
	if err := s.st.AddTask(ctx, t); err != nil {
		return err
	}
	s.mu.Lock()
	if s.shared == nil {
		s.pending[t.DeviceID]++
	}
	if se, ok := s.byDevice[t.DeviceID]; ok {
		se.recheck.Store(true)
	}
	s.mu.Unlock()
	return nil
}

// device returns a copy of the device, from the cache of recent devices
// (updated by each session) or the store, or store.ErrNotFound. A shared
// store is read each time: another process may have created or changed
// the device.
func (s *Server) device(ctx context.Context, id string) (*store.Device, error) {
	if s.shared == nil {
		s.mu.Lock()
		d, ok := s.devices.get(id)
		s.mu.Unlock()
		if ok {
			c := *d
			return &c, nil
		}
	}
	d, err := s.st.Device(ctx, id)
	if err != nil {
		return nil, err
	}
	d.Tags = nil
	if s.shared == nil {
		// Only if no session put a newer copy meanwhile: this read may
		// predate a commit whose session has already cached the device.
		c := *d
		s.mu.Lock()
		if _, ok := s.devices.get(id); !ok {
			s.devices.put(&c)
		}
		s.mu.Unlock()
	}
	return d, nil
}
