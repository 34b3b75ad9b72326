package cpe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
	"github.com/dmforge/dmforge/model"
)

// Config configures an Agent. Schema and ACSURL (or the model's
// ManagementServer.URL in the Store) are required.
type Config struct {
	Schema *model.Schema
	// Store holds the device's values; NewMemStore(Schema) if nil.
	Store Store

	// ACSURL is the ACS to contact; ManagementServer.URL in the Store,
	// when the ACS changes it, takes over (and causes a 0 BOOTSTRAP).
	ACSURL string
	// Username and Password authenticate the CPE to the ACS (Digest or
	// Basic); ManagementServer.Username/Password when empty.
	Username, Password string

	// Device identity, written to DeviceInfo when set, read from it when not.
	Manufacturer, OUI, ProductClass, SerialNumber, SoftwareVersion string

	// Transport carries requests to the ACS and file transfers; share one
	// between many agents. http.DefaultTransport if nil.
	Transport http.RoundTripper

	// ConnReqURL is the ConnectionRequestURL the agent announces;
	// ConnReqUsername/Password protect it (Digest). A ConnReqServer sets
	// ConnReqURL when the agent is registered.
	ConnReqURL                       string
	ConnReqUsername, ConnReqPassword string
	// ConnReqInterval is the least time between two accepted connection
	// requests (rate limit); 10 s if zero, no limit if negative.
	ConnReqInterval time.Duration

	// PeriodicInterval, when not zero, overrides PeriodicInformEnable and
	// PeriodicInformInterval of the Store.
	PeriodicInterval time.Duration

	// UDP connection requests through NAT (TR-069 Annex G, TR-111 Part 2;
	// see udpcr.go): Run uses them while ManagementServer.STUNEnable is
	// true. STUNServer ("host:port"), when set, turns STUN on at New: it
	// sets STUNEnable, STUNServerAddress and STUNServerPort (and
	// STUNUsername to the connection-request user name when empty).
	STUNServer string
	// UDPConnReqAddr is the local address of the UDP connection-request
	// socket; "127.0.0.1:0" if empty.
	UDPConnReqAddr string
	// UDPConnReqMaxAge bounds how far the ts of a UDP connection request
	// may be from the clock (udpcr.DefaultMaxAge if zero; no bound if
	// negative).
	UDPConnReqMaxAge time.Duration
	// STUNKeepAlive, when not zero, replaces the Binding Request period
	// the STUN*KeepAlivePeriod parameters give (tests).
	STUNKeepAlive time.Duration

	// Namespace is the cwmp namespace of the Informs; cwmp.DefaultNamespace
	// if empty.
	Namespace cwmp.Namespace

	// OnReboot, OnFactoryReset and OnFile let vendor code act: they run
	// after the session that asked for them. OnFile receives a downloaded
	// file; returning a *cwmp.Fault reports its code in TransferComplete.
	OnReboot       func()
	OnFactoryReset func()
	OnFile         func(d *cwmp.Download, r io.Reader) error
	// AliasBasedAddressing makes the device support Alias-Based Addressing
	// (TR-069 3.6.1): ManagementServer.AliasBasedAddressing is set true,
	// instances without an alias get one, and paths may name instances
	// as "[alias]". Otherwise the Store's value decides.
	AliasBasedAddressing bool

	// ChangeDUState, when set, is the device's own software-module
	// management, in place of the simulated one: it checks a ChangeDUState
	// (returning a *cwmp.Fault refuses it) and starts its operations, and
	// the device reports their results with Agent.CompleteDUStateChange.
	ChangeDUState func(*cwmp.ChangeDUState) error

	// Options, when set, answers GetOptions and SetVouchers (see
	// VoucherOptions); without it they answer 9000.
	Options OptionsHandler
	// MaxDownload bounds downloads (64 MiB if zero).
	MaxDownload int64
	// SessionTimeout is the TR-069 session timeout: how long the agent
	// waits for each HTTP response of the ACS before it gives the session
	// up (30 s if zero). From CWMP 1.3 on it is proposed to the ACS in the
	// Inform's SessionTimeout header, so the ACS waits as long for the
	// CPE; an ACS that answers with a SessionTimeout header of its own
	// sets it for the rest of the session.
	SessionTimeout time.Duration

	// Quirks make the CPE bend the protocol as some real devices do
	// (quirks.go); the zero value conforms.
	Quirks Quirks

	// Now, Sleep and Rand replace the clock, waiting and randomness (tests).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  func() float64
	// Logf, if set, receives one line per notable event.
	Logf func(format string, args ...any)
}

// Agent is one CPE: it runs CWMP sessions with the ACS and answers its
// requests through a Handler.
type Agent struct {
	cfg     Config
	handler *Handler
	ix      *schemaIndex
	rt      http.RoundTripper // to the ACS (with authentication)
	dec     cwmp.Decoder

	session sync.Mutex // one session at a time

	mu           sync.Mutex
	pending      []cwmp.EventStruct       // events not yet delivered
	transfers    []*cwmp.TransferComplete // TransferCompletes not yet acknowledged
	after        []func(context.Context)  // actions for after the session
	bootstrapped bool
	lastACS      string
	retries      int
	lastCR       time.Time
	snapshot     map[string]string // last reported values of notifying parameters
	wake         chan struct{}
	scheduled    []*time.Timer
	queued       []*queuedTransfer // accepted transfers not yet complete
	// du runs ChangeDUState (nil when the model has no SoftwareModules);
	// duResults are its DUStateChangeCompletes not yet acknowledged.
	du        *duEngine
	duResults []*cwmp.DUStateChangeComplete
	// udp is the UDP connection-request socket and STUN client (udpcr.go).
	udp *udpConnReq
}

// SessionResult describes one session.
type SessionResult struct {
	Events   []string               // event codes of the Inform
	Requests int                    // ACS requests answered
	Faults   map[cwmp.FaultCode]int // faults the CPE answered with
	Duration time.Duration
}

// ErrRetry is wrapped by the error of a session the ACS refused with 8005.
var ErrRetry = errors.New("cpe: ACS asked to retry")

// New returns an agent.
func New(cfg Config) (*Agent, error) {
	if cfg.Schema == nil {
		return nil, errors.New("cpe: Config.Schema is required")
	}
	if cfg.Store == nil {
		cfg.Store = NewMemStore(cfg.Schema)
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	cfg.Transport = cfg.Quirks.baseTransport(cfg.Transport)
	if cfg.ConnReqInterval == 0 {
		cfg.ConnReqInterval = 10 * time.Second
	}
	if cfg.MaxDownload == 0 {
		cfg.MaxDownload = 64 << 20
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 30 * time.Second
	}
	a := &Agent{cfg: cfg, ix: indexOf(cfg.Schema), wake: make(chan struct{}, 1)}
	a.handler = &Handler{Schema: cfg.Schema, Store: cfg.Store}
	a.handler.OnReboot = a.onReboot
	a.handler.OnFactoryReset = a.onFactoryReset
	a.handler.OnDownload = a.onDownload
	a.handler.OnUpload = a.onUpload
	a.handler.OnScheduleDownload = a.onScheduleDownload
	a.handler.QueuedTransfers = a.queuedTransfers
	a.handler.OnCancelTransfer = a.cancelTransfer
	a.handler.OnScheduleInform = a.onScheduleInform
	a.handler.Options = cfg.Options
	if err := a.writeIdentity(); err != nil {
		return nil, err
	}
	if a.acsURL() == "" {
		return nil, errors.New("cpe: no ACS URL")
	}
	if err := a.initSTUN(); err != nil {
		return nil, err
	}
	if cfg.ChangeDUState != nil {
		a.handler.OnChangeDUState = cfg.ChangeDUState
	} else if a.du = newDUEngine(a); a.du != nil {
		a.handler.OnChangeDUState = a.du.changeDUState
	}
	a.dec.MaxSize = 4 << 20
	return a, nil
}

// Handler returns the agent's request handler.
func (a *Agent) Handler() *Handler { return a.handler }

// Store returns the agent's store.
func (a *Agent) Store() Store { return a.cfg.Store }

// SerialNumber returns the device's serial number.
func (a *Agent) SerialNumber() string { return a.cfg.SerialNumber }

func (a *Agent) p(rel string) string { return a.ix.root + rel }

// writeIdentity puts the configured identity into the store and reads
// back what the configuration leaves out.
func (a *Agent) writeIdentity() error {
	c := &a.cfg
	var vals []model.ParameterValue
	set := func(rel string, v *string) {
		path := a.p(rel)
		if _, ok := c.Schema.Lookup(path); !ok {
			return
		}
		if *v == "" {
			*v, _ = a.handler.get(path)
			return
		}
		vals = append(vals, model.ParameterValue{Name: path, Value: *v, Type: model.TypeString})
	}
	set("DeviceInfo.Manufacturer", &c.Manufacturer)
	set("DeviceInfo.ManufacturerOUI", &c.OUI)
	set("DeviceInfo.ProductClass", &c.ProductClass)
	set("DeviceInfo.SerialNumber", &c.SerialNumber)
	set("DeviceInfo.SoftwareVersion", &c.SoftwareVersion)
	set("ManagementServer.URL", &c.ACSURL)
	set("ManagementServer.Username", &c.Username)
	set("ManagementServer.Password", &c.Password)
	set("ManagementServer.ConnectionRequestURL", &c.ConnReqURL)
	set("ManagementServer.ConnectionRequestUsername", &c.ConnReqUsername)
	set("ManagementServer.ConnectionRequestPassword", &c.ConnReqPassword)
	if c.AliasBasedAddressing {
		yes := "true"
		set("ManagementServer.AliasBasedAddressing", &yes)
	}
	if c.OUI == "" {
		c.OUI = "000000"
	}
	if c.SerialNumber == "" {
		return errors.New("cpe: no serial number")
	}
	if c.ConnReqUsername == "" {
		// The default user name goes in the store too: the ACS reads it
		// back and signs its connection requests with it.
		c.ConnReqUsername = c.SerialNumber
		set("ManagementServer.ConnectionRequestUsername", &c.ConnReqUsername)
	}
	if len(vals) == 0 || c.Store.Set(vals) == nil {
		return a.handler.AssignAliases()
	}
	// A vendor Store may refuse read-only values (DeviceInfo, the
	// connection-request URL): the runtime then holds those itself.
	for _, v := range vals {
		if c.Store.Set([]model.ParameterValue{v}) != nil {
			a.handler.SetOwned(v.Name, v.Value)
		}
	}
	return a.handler.AssignAliases()
}

// connReqCredentials are the device's current connection-request
// credentials: the ACS may have set new ones with SetParameterValues.
func (a *Agent) connReqCredentials() (user, pass string) {
	user, pass = a.get("ManagementServer.ConnectionRequestUsername"), a.get("ManagementServer.ConnectionRequestPassword")
	if user == "" {
		user, pass = a.cfg.ConnReqUsername, a.cfg.ConnReqPassword
	}
	return user, pass
}

func (a *Agent) get(rel string) string {
	v, _ := a.handler.get(a.p(rel))
	return v
}

func (a *Agent) acsURL() string {
	if u := a.get("ManagementServer.URL"); u != "" {
		return u
	}
	return a.cfg.ACSURL
}

func (a *Agent) logf(format string, args ...any) {
	if a.cfg.Logf != nil {
		a.cfg.Logf(a.cfg.SerialNumber+": "+format, args...)
	}
}

func (a *Agent) now() time.Time {
	if a.cfg.Now != nil {
		return a.cfg.Now()
	}
	return time.Now()
}

func (a *Agent) sleep(ctx context.Context, d time.Duration) error {
	if a.cfg.Sleep != nil {
		return a.cfg.Sleep(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Queue adds events for the next session (deduplicated: a single event
// code once, an "M" event once per command key).
func (a *Agent) Queue(events ...cwmp.EventStruct) {
	a.mu.Lock()
	a.pending = mergeEvents(a.pending, events...)
	a.mu.Unlock()
}

// Pending returns the events queued for the next session.
func (a *Agent) Pending() []cwmp.EventStruct {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]cwmp.EventStruct(nil), a.pending...)
}

func mergeEvents(dst []cwmp.EventStruct, events ...cwmp.EventStruct) []cwmp.EventStruct {
next:
	for _, e := range events {
		for _, d := range dst {
			if d.EventCode == e.EventCode && (!cwmp.IsMethodEvent(e.EventCode) || d.CommandKey == e.CommandKey) {
				continue next
			}
		}
		dst = append(dst, e)
	}
	return dst
}

// Wake asks Run for a session as soon as possible.
func (a *Agent) wakeUp() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// ValueChanged tells the agent that the device changed values itself: if
// one of them has active notification, Run starts a session with 4 VALUE
// CHANGE.
func (a *Agent) ValueChanged() {
	if _, active := a.changedValues(false); active {
		a.wakeUp()
	}
}

// unreported marks a snapshot value as not reported: it differs from every
// real value (which cannot hold a NUL).
const unreported = "\x00"

// changedValues returns the notifying parameters whose value differs from
// the last one reported, and whether one has active notification. With
// commit, the new values become the reported ones.
func (a *Agent) changedValues(commit bool) ([]cwmp.ParameterValueStruct, bool) {
	notifying := a.handler.Notifying()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []cwmp.ParameterValueStruct
	active := false
	first := a.snapshot == nil
	if first {
		a.snapshot = map[string]string{}
	}
	for p, level := range notifying {
		e, ok := a.cfg.Schema.Lookup(p)
		if !ok {
			continue
		}
		v, ok := a.handler.get(p)
		if !ok {
			continue
		}
		old, seen := a.snapshot[p]
		if !seen || first {
			a.snapshot[p] = v
			continue
		}
		if old != v {
			out = append(out, a.handler.value(p, e))
			if level == 2 {
				active = true
			}
			if commit {
				a.snapshot[p] = v
			}
		}
	}
	return out, active
}

// noteSet records values the ACS set: they are not value changes.
func (a *Agent) noteSet(values []cwmp.ParameterValueStruct) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range values {
		if n, err := a.handler.numbers(v.Name); err == nil {
			v.Name = n // the snapshot is by instance number
		}
		if _, ok := a.snapshot[v.Name]; ok {
			a.snapshot[v.Name] = v.Value
		}
	}
}

// RunSession runs one CWMP session: an Inform with the given events and
// those pending (0 BOOTSTRAP on first contact or a new ACS URL, 1 BOOT
// and M Reboot after a reboot, 7 TRANSFER COMPLETE after a transfer, 4
// VALUE CHANGE), the CPE's own requests, then the ACS's requests until it
// has no more. Actions the ACS asked for (reboot, factory reset,
// transfers) happen after the session, before RunSession returns.
func (a *Agent) RunSession(ctx context.Context, events ...string) (SessionResult, error) {
	a.session.Lock()
	defer a.session.Unlock()
	start := a.now()
	res := SessionResult{}
	for _, e := range events {
		a.Queue(cwmp.EventStruct{EventCode: e})
	}
	acs := a.acsURL()
	a.mu.Lock()
	if !a.bootstrapped || (a.lastACS != "" && a.lastACS != acs && !a.cfg.Quirks.NoURLBootstrap) {
		a.pending = mergeEvents([]cwmp.EventStruct{{EventCode: cwmp.EventBootstrap}}, a.pending...)
	}
	a.mu.Unlock()

	changed, _ := a.changedValues(true)
	if len(changed) > 0 {
		a.Queue(cwmp.EventStruct{EventCode: cwmp.EventValueChange})
	}
	a.mu.Lock()
	evs := append([]cwmp.EventStruct(nil), a.pending...)
	retries := a.retries
	transfers := append([]*cwmp.TransferComplete(nil), a.transfers...)
	a.mu.Unlock()
	for _, e := range evs {
		res.Events = append(res.Events, e.EventCode)
	}

	err := a.session1(ctx, acs, evs, changed, retries, transfers, &res)
	res.Duration = a.now().Sub(start)
	a.mu.Lock()
	if err == nil {
		a.retries = 0
	} else {
		a.retries++
		// Values reported in a failed session are reported again.
		for _, c := range changed {
			a.snapshot[c.Name] = unreported
		}
		if len(changed) > 0 {
			a.pending = mergeEvents(a.pending, cwmp.EventStruct{EventCode: cwmp.EventValueChange})
		}
	}
	after := a.after
	a.after = nil
	a.mu.Unlock()
	for _, f := range after {
		f(ctx)
	}
	return res, err
}

// supportedCWMPVersions are the protocol versions the agent speaks.
const supportedCWMPVersions = "1.0,1.1,1.2,1.3,1.4"

// namespaceOfVersion maps a UseCWMPVersion to the namespace the rest of the
// session uses: 1.0 and 1.1 have their own, 1.2 to 1.4 share cwmp-1-2.
func namespaceOfVersion(v string, current cwmp.Namespace) cwmp.Namespace {
	switch strings.TrimSpace(v) {
	case "1.0":
		return cwmp.Namespace10
	case "1.1":
		return cwmp.Namespace11
	case "1.2", "1.3", "1.4":
		if current == cwmp.Namespace10 || current == cwmp.Namespace11 {
			return cwmp.Namespace12
		}
		return current
	}
	return current
}

func (a *Agent) ns() cwmp.Namespace {
	if a.cfg.Namespace != "" {
		return a.cfg.Namespace
	}
	return cwmp.DefaultNamespace
}

func (a *Agent) transport() http.RoundTripper {
	user, pass := a.get("ManagementServer.Username"), a.get("ManagementServer.Password")
	if user == "" {
		user, pass = a.cfg.Username, a.cfg.Password
	}
	if user == "" {
		return a.cfg.Transport
	}
	if t, ok := a.rt.(*auth.Transport); ok && t.Username == user && t.Password == pass {
		return t
	}
	a.rt = &auth.Transport{Base: a.cfg.Transport, Username: user, Password: pass}
	return a.rt
}

func (a *Agent) session1(ctx context.Context, acs string, evs []cwmp.EventStruct, changed []cwmp.ParameterValueStruct,
	retries int, transfers []*cwmp.TransferComplete, res *SessionResult) error {
	rt, qt := a.quirkRoundTripper(a.dumpWire(a.cfg.Quirks.sessionTransport(a.transport(), a.cfg.Transport))) // dumpwire.go
	sc := cwmp.NewSessionClient(acs, rt)
	sc.Decoder = a.dec
	defer sc.End()
	timeout := a.cfg.SessionTimeout
	// post sends one message and waits at most the session timeout for
	// the ACS's answer.
	post := func(env *cwmp.Envelope) (*cwmp.Envelope, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return sc.Post(ctx, env)
	}

	inform := &cwmp.Inform{
		DeviceID:     cwmp.DeviceIDStruct{Manufacturer: a.cfg.Manufacturer, OUI: a.cfg.OUI, ProductClass: a.cfg.ProductClass, SerialNumber: a.cfg.SerialNumber},
		Event:        evs,
		MaxEnvelopes: 1,
		CurrentTime:  a.now().UTC().Truncate(time.Second),
		RetryCount:   uint32(retries),
	}
	seen := map[string]bool{}
	for _, sp := range a.ix.forced {
		e, _ := a.cfg.Schema.Lookup(sp)
		for _, p := range expand(a.cfg.Store, sp) {
			if _, ok := a.handler.get(p); ok {
				inform.ParameterList = append(inform.ParameterList, a.handler.value(p, e))
				seen[p] = true
			}
		}
	}
	for _, c := range changed {
		if !seen[c.Name] {
			inform.ParameterList = append(inform.ParameterList, c)
		}
	}
	inform.ParameterList = a.cfg.Quirks.values(inform.ParameterList)
	inform.ParameterList = a.cfg.Quirks.informParams(a.ix.root, inform.ParameterList)
	// Undelivered DUStateChangeCompletes are announced in every Inform
	// until the ACS acknowledges them.
	a.mu.Lock()
	duResults := append([]*cwmp.DUStateChangeComplete(nil), a.duResults...)
	a.mu.Unlock()
	if canCarryDU(a.ns()) {
		evs = mergeEvents(evs, duEvents(duResults...)...)
		inform.Event = evs
	}
	id := 0
	nextID := func() string { id++; return strconv.Itoa(id) }
	hdr := cwmp.Header{ID: nextID()}
	if a.ns() != cwmp.Namespace10 && a.ns() != cwmp.Namespace11 {
		// CWMP 1.4 version negotiation: the ACS may answer UseCWMPVersion.
		hdr.SupportedCWMPVersions = supportedCWMPVersions
		// CWMP 1.3: propose the session timeout (whole seconds, at least 1).
		hdr.SessionTimeout = uint32(max(timeout/time.Second, 1))
	}
	reply, err := post(&cwmp.Envelope{Namespace: a.ns(), Header: hdr, Body: inform})
	if err != nil {
		return fmt.Errorf("cpe: Inform: %w", err)
	}
	switch b := reply.Body.(type) {
	case *cwmp.InformResponse:
	case *cwmp.Fault:
		if b.Code == cwmp.FaultACSRetryRequest {
			return fmt.Errorf("%w: %v", ErrRetry, b)
		}
		return fmt.Errorf("cpe: Inform refused: %v", b)
	default:
		return fmt.Errorf("cpe: expected InformResponse, got %s", methodOf(reply))
	}
	// The events are delivered.
	a.mu.Lock()
	a.bootstrapped = true
	a.lastACS = acs
	a.pending = removeEvents(a.pending, evs)
	if len(a.transfers) > 0 {
		// Not delivered until the TransferComplete is acknowledged.
		a.pending = mergeEvents(a.pending, cwmp.EventStruct{EventCode: cwmp.EventTransferComplete})
	}
	a.mu.Unlock()

	if t := reply.Header.SessionTimeout; t > 0 {
		timeout = time.Duration(t) * time.Second
	}
	held := reply.Header.HoldRequests
	ns := reply.Namespace
	if ns == "" || !ns.Supported() {
		ns = a.ns()
	}
	if v := reply.Header.UseCWMPVersion; v != "" {
		ns = namespaceOfVersion(v, ns)
	}
	if !canCarryDU(ns) {
		// A CWMP 1.0/1.1 session cannot carry them: they wait for a later
		// session (without keeping Run in a loop of sessions).
		duResults = nil
	} else if len(duResults) > 0 {
		// Not delivered until the DUStateChangeComplete is acknowledged.
		a.mu.Lock()
		a.pending = mergeEvents(a.pending, duEvents(a.duResults...)...)
		a.mu.Unlock()
	}
	var out *cwmp.Envelope // what to post next; nil: the empty POST
	for {
		if out == nil && !held && len(transfers) > 0 {
			tc := transfers[0]
			r, err := post(&cwmp.Envelope{Namespace: ns, Header: cwmp.Header{ID: nextID()}, Body: tc})
			if err != nil {
				return fmt.Errorf("cpe: TransferComplete: %w", err)
			}
			if _, ok := r.Body.(*cwmp.TransferCompleteResponse); !ok {
				return fmt.Errorf("cpe: expected TransferCompleteResponse, got %s", methodOf(r))
			}
			held = r.Header.HoldRequests
			transfers = transfers[1:]
			a.mu.Lock()
			a.transfers = removeTransfer(a.transfers, tc)
			if len(a.transfers) == 0 {
				a.pending = removeEvents(a.pending, []cwmp.EventStruct{{EventCode: cwmp.EventTransferComplete}})
			}
			a.mu.Unlock()
			continue
		}
		if out == nil && !held && len(duResults) > 0 {
			dc := duResults[0]
			r, err := post(&cwmp.Envelope{Namespace: ns, Header: cwmp.Header{ID: nextID()}, Body: dc})
			if err != nil {
				return fmt.Errorf("cpe: DUStateChangeComplete %q: %w", dc.CommandKey, err)
			}
			if _, ok := r.Body.(*cwmp.DUStateChangeCompleteResponse); !ok {
				return fmt.Errorf("cpe: expected DUStateChangeCompleteResponse, got %s", methodOf(r))
			}
			held = r.Header.HoldRequests
			duResults = duResults[1:]
			a.ackDUStateChange(dc)
			continue
		}
		if out == nil {
			out = &cwmp.Envelope{Namespace: ns}
		}
		req, err := post(out)
		var mu *cwmp.MustUnderstandError
		if errors.As(err, &mu) && req != nil {
			out = req.Reply(mu.Fault())
			continue
		}
		if err != nil {
			return fmt.Errorf("cpe: session: %w", err)
		}
		if req.IsEmpty() {
			// An empty response lifts HoldRequests: send what is left.
			if len(transfers) > 0 || len(duResults) > 0 {
				held, out = false, nil
				continue
			}
			return nil
		}
		held = req.Header.HoldRequests
		res.Requests++
		resp, fault, crash := a.quirkHandle(ctx, req.Body)
		if crash {
			if qt != nil {
				qt.drop()
			}
			return fmt.Errorf("%w: on %s", ErrCrashed, req.Body.MethodName())
		}
		if fault != nil {
			if res.Faults == nil {
				res.Faults = map[cwmp.FaultCode]int{}
			}
			res.Faults[fault.Code]++
			out = req.Reply(fault)
		} else {
			if spv, ok := req.Body.(*cwmp.SetParameterValues); ok {
				a.noteSet(spv.ParameterList)
				a.diagnosticsRequested(spv.ParameterList) // diagnostics.go
				if a.du != nil {
					a.du.noteSet(spv.ParameterList)
				}
			}
			out = req.Reply(resp)
		}
		a.cfg.Quirks.replyID(out) // quirks_conformance.go
		if _, err := cwmp.Marshal(out); err != nil {
			// Never leave the ACS without an answer.
			out = req.Reply(cwmp.NewFault(cwmp.FaultInternalError, truncate(err.Error(), 256)))
		}
	}
}

func methodOf(env *cwmp.Envelope) string {
	if env == nil || env.Body == nil {
		return "an empty response"
	}
	return env.Body.MethodName()
}

func removeEvents(list, done []cwmp.EventStruct) []cwmp.EventStruct {
	var out []cwmp.EventStruct
next:
	for _, e := range list {
		for _, d := range done {
			if d == e {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

func removeTransfer(list []*cwmp.TransferComplete, tc *cwmp.TransferComplete) []*cwmp.TransferComplete {
	var out []*cwmp.TransferComplete
	for _, t := range list {
		if t != tc {
			out = append(out, t)
		}
	}
	return out
}

func (a *Agent) defer1(f func(context.Context)) {
	a.mu.Lock()
	a.after = append(a.after, f)
	a.mu.Unlock()
}

func (a *Agent) onReboot(key string) {
	a.defer1(func(context.Context) {
		a.logf("reboot")
		if a.cfg.OnReboot != nil {
			a.cfg.OnReboot()
		}
		a.Queue(a.cfg.Quirks.rebootEvents(key)...)
		a.wakeUp()
	})
}

func (a *Agent) onFactoryReset() {
	a.defer1(func(context.Context) {
		a.logf("factory reset")
		if r, ok := a.cfg.Store.(interface{ Reset() }); ok {
			r.Reset()
		}
		if a.cfg.OnFactoryReset != nil {
			a.cfg.OnFactoryReset()
		}
		a.handler.ResetAttributes()
		_ = a.writeIdentity()
		if a.du != nil {
			// The reset emptied SoftwareModules: the simulated execution
			// environment comes back, without deployment units.
			if err := a.du.ensureExecEnv(); err != nil {
				a.logf("factory reset: %v", err)
			}
		}
		a.mu.Lock()
		a.bootstrapped = false
		a.snapshot = nil
		a.pending = nil
		a.transfers = nil
		a.duResults = nil
		a.mu.Unlock()
		a.Queue(cwmp.EventStruct{EventCode: cwmp.EventBootstrap}, cwmp.EventStruct{EventCode: cwmp.EventBoot})
		a.wakeUp()
	})
}

func (a *Agent) onScheduleInform(delay uint32, key string) {
	if a.cfg.Quirks.IgnoreScheduleInform {
		return
	}
	t := time.AfterFunc(time.Duration(delay)*time.Second, func() {
		a.Queue(cwmp.EventStruct{EventCode: cwmp.EventScheduled}, cwmp.EventStruct{EventCode: cwmp.EventMScheduleInform, CommandKey: key})
		a.wakeUp()
	})
	a.mu.Lock()
	a.scheduled = append(a.scheduled, t)
	a.mu.Unlock()
}

// afterDelay runs f once the session is over: right away when delay is
// zero (before RunSession returns), else delay seconds later, in the
// background (the TransferComplete then wakes Run).
func (a *Agent) afterDelay(delay uint32, f func(context.Context)) {
	if delay == 0 {
		a.defer1(f)
		return
	}
	t := time.AfterFunc(time.Duration(delay)*time.Second, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		f(ctx)
	})
	a.mu.Lock()
	a.scheduled = append(a.scheduled, t)
	a.mu.Unlock()
}

// queuedTransfer is an accepted Download or Upload, for
// GetQueuedTransfers, GetAllQueuedTransfers and CancelTransfer.
type queuedTransfer struct {
	cwmp.AllQueuedTransferStruct
	canceled bool
}

// queueTransfer records an accepted transfer (state 1, not yet started).
func (a *Agent) queueTransfer(key string, download bool, fileType string, size uint32, target string) *queuedTransfer {
	q := &queuedTransfer{AllQueuedTransferStruct: cwmp.AllQueuedTransferStruct{CommandKey: key, State: 1, IsDownload: download,
		FileType: fileType, FileSize: size, TargetFileName: target}}
	a.mu.Lock()
	a.queued = append(a.queued, q)
	a.mu.Unlock()
	return q
}

// startTransfer marks q in progress, or reports that it was canceled.
func (a *Agent) startTransfer(q *queuedTransfer) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if q.canceled {
		a.queued = removeQueued(a.queued, q)
		return false
	}
	q.State = 2
	return true
}

func (a *Agent) endTransfer(q *queuedTransfer) {
	a.mu.Lock()
	a.queued = removeQueued(a.queued, q)
	a.mu.Unlock()
}

func removeQueued(list []*queuedTransfer, q *queuedTransfer) []*queuedTransfer {
	out := list[:0]
	for _, x := range list {
		if x != q {
			out = append(out, x)
		}
	}
	return out
}

func (a *Agent) queuedTransfers() []cwmp.AllQueuedTransferStruct {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []cwmp.AllQueuedTransferStruct
	for _, q := range a.queued {
		if !q.canceled {
			out = append(out, q.AllQueuedTransferStruct)
		}
	}
	return out
}

// cancelTransfer cancels the queued transfers with the command key; one in
// progress, or no such transfer, is 9021 (TR-069 A.4.1.9).
func (a *Agent) cancelTransfer(key string) *cwmp.Fault {
	a.mu.Lock()
	defer a.mu.Unlock()
	found := false
	for _, q := range a.queued {
		if q.CommandKey != key || q.canceled {
			continue
		}
		if q.State != 1 {
			return cwmp.NewFault(cwmp.FaultCancelNotPermitted, "the transfer is in progress")
		}
		found = true
	}
	if !found {
		return cwmp.NewFault(cwmp.FaultCancelNotPermitted, "no queued transfer has this CommandKey")
	}
	for _, q := range a.queued {
		if q.CommandKey == key {
			q.canceled = true
		}
	}
	return nil
}

func (a *Agent) onDownload(d *cwmp.Download) error {
	d2 := *d
	q := a.queueTransfer(d2.CommandKey, true, d2.FileType, d2.FileSize, d2.TargetFileName)
	a.afterDelay(d2.DelaySeconds, func(ctx context.Context) {
		if !a.startTransfer(q) {
			return
		}
		defer a.endTransfer(q)
		start := a.now()
		fault := a.download(ctx, &d2)
		a.finishTransfer(d2.CommandKey, cwmp.EventMDownload, start, fault)
		if fault == nil && strings.HasPrefix(d2.FileType, "1 ") {
			// A firmware image is applied with a reboot.
			a.Queue(cwmp.EventStruct{EventCode: cwmp.EventBoot})
		}
	})
	return nil
}

// onScheduleDownload downloads in the first time window the CPE can use
// without a user: "1 At Any Time", "2 Immediately" and "3 When Idle" (a
// simulated CPE is always idle) start at WindowStart; windows that need a
// user's confirmation ("4 Confirmation Needed") are never usable here, and
// with no usable window the transfer completes with 9020.
func (a *Agent) onScheduleDownload(sd *cwmp.ScheduleDownload) error {
	d := cwmp.Download{CommandKey: sd.CommandKey, FileType: sd.FileType, URL: sd.URL, Username: sd.Username,
		Password: sd.Password, FileSize: sd.FileSize, TargetFileName: sd.TargetFileName}
	var window *cwmp.TimeWindowStruct
	for i := range sd.TimeWindowList {
		w := &sd.TimeWindowList[i]
		if w.WindowEnd < w.WindowStart {
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "WindowEnd is before WindowStart")
		}
		if window == nil && !strings.HasPrefix(w.WindowMode, "4") {
			window = w
		}
	}
	q := a.queueTransfer(d.CommandKey, true, d.FileType, d.FileSize, d.TargetFileName)
	delay := uint32(0)
	if window != nil {
		delay = window.WindowStart
	}
	a.afterDelay(delay, func(ctx context.Context) {
		if !a.startTransfer(q) {
			return
		}
		defer a.endTransfer(q)
		start := a.now()
		var fault *cwmp.Fault
		if window == nil {
			fault = cwmp.NewFault(cwmp.FaultTransferTimeWindows, "every time window needs a user's confirmation")
		} else {
			wctx, cancel := context.WithTimeout(ctx, time.Duration(window.WindowEnd-window.WindowStart+1)*time.Second)
			fault = a.download(wctx, &d)
			cancel()
			if fault != nil && wctx.Err() != nil && ctx.Err() == nil {
				fault = cwmp.NewFault(cwmp.FaultTransferTimeWindows, "the download did not finish within its time window")
			}
		}
		a.finishTransfer(d.CommandKey, cwmp.EventMScheduleDownload, start, fault)
		if fault == nil && strings.HasPrefix(d.FileType, "1 ") {
			a.Queue(cwmp.EventStruct{EventCode: cwmp.EventBoot})
		}
	})
	return nil
}

func (a *Agent) onUpload(u *cwmp.Upload) error {
	u2 := *u
	q := a.queueTransfer(u2.CommandKey, false, u2.FileType, 0, "")
	a.afterDelay(u2.DelaySeconds, func(ctx context.Context) {
		if !a.startTransfer(q) {
			return
		}
		defer a.endTransfer(q)
		start := a.now()
		fault := a.upload(ctx, &u2)
		a.finishTransfer(u2.CommandKey, cwmp.EventMUpload, start, fault)
	})
	return nil
}

func (a *Agent) finishTransfer(key, event string, start time.Time, fault *cwmp.Fault) {
	if a.cfg.Quirks.NoTransferComplete {
		return
	}
	tc := &cwmp.TransferComplete{CommandKey: key, StartTime: start.UTC(), CompleteTime: a.now().UTC()}
	if fault != nil {
		a.logf("%s %q failed: %v", event, key, fault)
		tc.FaultStruct = cwmp.FaultStruct{FaultCode: fault.Code, FaultString: truncate(fault.String, 256)}
		tc.StartTime, tc.CompleteTime = time.Time{}, time.Time{}
	}
	a.mu.Lock()
	a.transfers = append(a.transfers, tc)
	a.pending = mergeEvents(a.pending, cwmp.EventStruct{EventCode: cwmp.EventTransferComplete}, cwmp.EventStruct{EventCode: event, CommandKey: key})
	a.mu.Unlock()
	a.wakeUp()
}

// transferClient is the HTTP client of file transfers.
func (a *Agent) transferClient(user, pass string) *http.Client {
	rt := a.cfg.Transport
	if user != "" {
		rt = &auth.Transport{Base: rt, Username: user, Password: pass}
	}
	return &http.Client{Transport: rt, Timeout: 5 * time.Minute}
}

// transferFault maps an HTTP transfer error to a TR-069 fault.
func transferFault(err error, download bool) *cwmp.Fault {
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ue) && (errors.As(err, &ne) || strings.Contains(err.Error(), "connect")) {
		return cwmp.NewFault(cwmp.FaultTransferContactServer, truncate(err.Error(), 256))
	}
	if download {
		return cwmp.NewFault(cwmp.FaultFileTransferFailure, truncate(err.Error(), 256))
	}
	return cwmp.NewFault(cwmp.FaultUploadFailure, truncate(err.Error(), 256))
}

func statusFault(resp *http.Response, download bool) *cwmp.Fault {
	msg := "HTTP " + resp.Status
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return cwmp.NewFault(cwmp.FaultFileTransferAuthFailure, msg)
	case download && resp.StatusCode == http.StatusNotFound:
		return cwmp.NewFault(cwmp.FaultTransferAccessFile, msg)
	case download:
		return cwmp.NewFault(cwmp.FaultFileTransferFailure, msg)
	}
	return cwmp.NewFault(cwmp.FaultUploadFailure, msg)
}

func (a *Agent) download(ctx context.Context, d *cwmp.Download) *cwmp.Fault {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL, nil)
	if err != nil {
		return cwmp.NewFault(cwmp.FaultFileTransferFailure, truncate(err.Error(), 256))
	}
	resp, err := a.transferClient(d.Username, d.Password).Do(req)
	if err != nil {
		return transferFault(err, true)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusFault(resp, true)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, a.cfg.MaxDownload+1))
	if err != nil {
		return cwmp.NewFault(cwmp.FaultTransferCompleteDownload, truncate(err.Error(), 256))
	}
	if int64(len(body)) > a.cfg.MaxDownload {
		return cwmp.NewFault(cwmp.FaultResourcesExceeded, "file too large")
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return cwmp.NewFault(cwmp.FaultTransferCompleteDownload, "short body")
	}
	if d.FileSize != 0 && uint32(len(body)) != d.FileSize {
		return cwmp.NewFault(cwmp.FaultTransferFileCorrupted, fmt.Sprintf("got %d bytes, FileSize says %d", len(body), d.FileSize))
	}
	if a.cfg.OnFile != nil {
		if err := a.cfg.OnFile(d, bytes.NewReader(body)); err != nil {
			return asFault(err)
		}
	}
	return nil
}

func (a *Agent) upload(ctx context.Context, u *cwmp.Upload) *cwmp.Fault {
	var body bytes.Buffer
	if m, ok := a.cfg.Store.(interface{ Values() []model.ParameterValue }); ok {
		for _, v := range m.Values() {
			fmt.Fprintf(&body, "%s=%s\n", v.Name, v.Value)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.URL, bytes.NewReader(body.Bytes()))
	if err != nil {
		return cwmp.NewFault(cwmp.FaultUploadFailure, truncate(err.Error(), 256))
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := a.transferClient(u.Username, u.Password).Do(req)
	if err != nil {
		return transferFault(err, false)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return statusFault(resp, false)
	}
	return nil
}

func (a *Agent) retryWait(n int) time.Duration {
	m, k := uint32(5), uint32(2000)
	if v, err := strconv.ParseUint(a.get("ManagementServer.CWMPRetryMinimumWaitInterval"), 10, 32); err == nil && v > 0 {
		m = uint32(v)
	}
	if v, err := strconv.ParseUint(a.get("ManagementServer.CWMPRetryIntervalMultiplier"), 10, 32); err == nil && v >= 1000 {
		k = uint32(v)
	}
	r := rand.Float64()
	if a.cfg.Rand != nil {
		r = a.cfg.Rand()
	}
	return cwmp.RetryWait(n, m, k, r)
}

// nextPeriodic returns when the next periodic Inform is due, or false.
func (a *Agent) nextPeriodic(now time.Time) (time.Time, bool) {
	interval := a.cfg.PeriodicInterval
	if interval == 0 {
		if en, _ := model.ParseBool(a.get("ManagementServer.PeriodicInformEnable")); !en {
			return time.Time{}, false
		}
		s, err := strconv.ParseUint(a.get("ManagementServer.PeriodicInformInterval"), 10, 32)
		if err != nil || s == 0 {
			return time.Time{}, false
		}
		interval = time.Duration(s) * time.Second
	}
	if interval < 0 {
		return time.Time{}, false
	}
	interval = a.cfg.Quirks.periodic(interval)
	ref, err := model.ParseDateTime(a.get("ManagementServer.PeriodicInformTime"))
	if err != nil || ref.Year() <= 1 {
		return now.Add(interval), true
	}
	// Informs happen at ref + k·interval.
	d := now.Sub(ref) % interval
	if d < 0 {
		d += interval
	}
	return now.Add(interval - d), true
}

// ConnectionRequest asks for a session with 6 CONNECTION REQUEST. It
// returns false when the rate limit refuses it.
func (a *Agent) ConnectionRequest() bool {
	a.mu.Lock()
	now := a.now()
	if a.cfg.ConnReqInterval > 0 && !a.lastCR.IsZero() && now.Sub(a.lastCR) < a.cfg.ConnReqInterval {
		a.mu.Unlock()
		return false
	}
	a.lastCR = now
	a.pending = mergeEvents(a.pending, cwmp.EventStruct{EventCode: a.cfg.Quirks.crEvent()})
	a.mu.Unlock()
	a.wakeUp()
	return true
}

// Run runs the CPE until ctx is done: a session with 1 BOOT (and 0
// BOOTSTRAP on first contact), then sessions for periodic informs,
// connection requests, scheduled informs, transfers and value changes,
// with the TR-069 retry policy after failed sessions. Each session's
// result goes to report, if not nil.
func (a *Agent) Run(ctx context.Context, report func(SessionResult, error)) error {
	return a.runWith(ctx, func(events ...string) (SessionResult, error) { return a.RunSession(ctx, events...) }, report)
}

func (a *Agent) runWith(ctx context.Context, session func(events ...string) (SessionResult, error), report func(SessionResult, error)) error {
	a.Queue(cwmp.EventStruct{EventCode: cwmp.EventBoot})
	defer func() {
		a.mu.Lock()
		for _, t := range a.scheduled {
			t.Stop()
		}
		a.mu.Unlock()
	}()
	// UDP connection requests and STUN, while STUNEnable is true.
	defer a.udp.start(ctx)()
	need := true
	for {
		if need {
			res, err := session()
			a.udp.recheck() // the session may have changed the STUN settings
			if ctx.Err() != nil {
				return nil
			}
			if report != nil {
				report(res, err)
			}
			if err != nil {
				a.mu.Lock()
				n := a.retries
				a.mu.Unlock()
				w := a.retryWait(n)
				if b := busy(err); b > 0 {
					w = b // the ACS said when (503 Retry-After)
				}
				a.logf("session failed (%v); retry %d in %v", err, n, w.Round(time.Millisecond))
				if a.sleep(ctx, w) != nil {
					return nil
				}
				continue
			}
			a.mu.Lock()
			need = len(a.pending) > 0 || len(a.transfers) > 0
			a.mu.Unlock()
			if need {
				continue
			}
		}
		var periodic <-chan time.Time
		var timer *time.Timer
		if at, ok := a.nextPeriodic(a.now()); ok {
			timer = time.NewTimer(at.Sub(a.now()))
			periodic = timer.C
		}
		select {
		case <-ctx.Done():
		case <-a.wake:
		case <-periodic:
			a.Queue(cwmp.EventStruct{EventCode: cwmp.EventPeriodic})
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
		_, active := a.changedValues(false)
		a.mu.Lock()
		need = active || len(a.pending) > 0 || len(a.transfers) > 0
		a.mu.Unlock()
	}
}
