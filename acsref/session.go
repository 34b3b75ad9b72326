package acsref

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// SessionCookie is the name of the cookie that carries the CWMP session.
const SessionCookie = "dmforge_session"

// commandKeyPrefix starts the CommandKey (and header ID) of every task
// RPC: "dmf-<task id>".
const commandKeyPrefix = "dmf-"

type session struct {
	id string
	// firstContact: the session counts under Config.MaxFirstContacts.
	firstContact bool
	dev          store.Device
	bind         *Binding
	ns           cwmp.Namespace
	seen         atomic.Int64 // unix nanos of the last request
	// user is the name the CPE authenticated with ("" without CPE
	// authentication): it fetches the ACS's files with the same
	// credentials.
	user string
	// timeout ends the session when the CPE stays silent this long: the
	// ACS's SessionTimeout, or the longer one the CPE proposed in its
	// Inform's SessionTimeout header (CWMP 1.3).
	timeout time.Duration

	mu       sync.Mutex // serializes the session's requests
	closed   bool
	queue    []*store.Task
	handled  map[int64]bool
	recheck  atomic.Bool // tasks were added while the session is live
	inflight *inflight
	informGo bool // the InformGet read has been sent
	batch    store.Batch
	rpcSeq   int
	findings map[string]int // path+rule → index in batch.Findings
	// flagged: the device had findings when the session began.
	flagged bool
	// discovered: the batch holds the complete name tree of a discovery,
	// at batch.Parameters[discoveredAt[0]:discoveredAt[1]], judged when
	// the session ends.
	discovered   bool
	discoveredAt [2]int
	// unlock releases the device's lock in a shared store (nil if none).
	unlock func()
	// committing: the session ended but its batch is not yet stored
	// (outage.go); the device waits.
	committing atomic.Bool
	// informKey is the ParameterKey the Inform reported: it tells that a
	// task's RPC was applied in a session whose record was lost.
	informKey string
	// job is the discovery task running (discovery.go); rec the device's
	// discovery record; leaves the parameter names of its tree, once known.
	job    *discoveryJob
	rec    discoveryRecord
	leaves []string
	// evidence of the service models the device has (services.go).
	evidence serviceEvidence
	// conn is the CPE's connection (remote address) when the session
	// began: a CPE that does not return the cookie is known by it.
	conn string
	pol  *policySession // auto-configuration (policies.go); nil without policies
	obs  sessionObs     // metrics and the session's log line (metrics.go)
	// campaignTasks are the tasks campaigns queued in this session, by
	// task id: the campaign they belong to (campaigns.go).
	campaignTasks map[int64]string
}

type inflight struct {
	policy *policy.RPC // a policy's planned RPC (policies.go)
	task   *store.Task // nil for the InformGet read
	job    *discoveryJob
	prep   *prepared
	msg    cwmp.Message
	id     string
	remote string
}

func (se *session) touch()              { se.seen.Store(time.Now().UnixNano()) }
func (se *session) lastSeen() time.Time { return time.Unix(0, se.seen.Load()) }

func (se *session) addFinding(f *store.Finding) {
	if f == nil {
		return
	}
	now := time.Now().UTC()
	f.DeviceID = se.dev.ID
	f.FirstSeen, f.LastSeen = now, now
	key := f.Path + "\x00" + f.Rule
	if i, ok := se.findings[key]; ok {
		se.batch.Findings[i] = *f
		return
	}
	if se.findings == nil {
		se.findings = map[string]int{}
	}
	se.findings[key] = len(se.batch.Findings)
	se.batch.Findings = append(se.batch.Findings, *f)
}

// resolve drops the value findings of a path whose value now conforms.
func (se *session) resolve(path string) {
	for _, rule := range []string{RuleReportedValue, RuleReportedType, RuleNotParameter} {
		if i, ok := se.findings[path+"\x00"+rule]; ok {
			se.batch.Findings[i].Rule = "" // not written
			delete(se.findings, path+"\x00"+rule)
		}
	}
	if se.flagged {
		se.batch.Resolved = append(se.batch.Resolved, path)
	}
}

// storeValues records reported values and checks them against the model.
func (se *session) storeValues(list []cwmp.ParameterValueStruct) {
	now := time.Now().UTC()
	// What the values declare of the service models comes first: the
	// values are judged by the models they declare.
	for _, pv := range list {
		se.noteValue(pv.Name, pv.Value)
	}
	se.rebind()
	for _, pv := range list {
		// Cloned: the decoded strings point into the whole message, which
		// is then freed while the session holds its values.
		p := store.Parameter{Name: strings.Clone(pv.Name), Value: strings.Clone(pv.Value), Type: internType(pv.Type), HasValue: true, Updated: now}
		se.batch.Parameters = append(se.batch.Parameters, p)
		if se.bind != nil {
			if f := se.bind.checkReportedValue(p); f != nil {
				se.addFinding(f)
			} else {
				se.resolve(p.Name)
			}
		}
		se.noteKnown(pv.Name, pv.Value)
	}
	se.policyNote(list, now) // policies.go
}

// noteKnown keeps the device fields that mirror parameters up to date.
func (se *session) noteKnown(name, value string) {
	root := se.dev.Root
	switch strings.TrimPrefix(name, root) {
	case "ManagementServer.ConnectionRequestURL":
		se.dev.ConnReqURL = value
	case "DeviceInfo.SoftwareVersion":
		se.dev.SoftwareVer = value
	case "RootDataModelVersion":
		se.dev.DataModel = value
	}
}

// CWMPHandler is the CWMP endpoint: POSTs from CPEs, GET /files/{name}
// for downloads, PUT|POST /uploads/{name} for uploads — all three with the
// CPEs' credentials when CPE authentication is configured (the ACS puts
// them in the Download of one of its files).
func (s *Server) CWMPHandler() http.Handler {
	mux := http.NewServeMux()
	var h http.Handler = http.HandlerFunc(s.handleCWMP)
	up := http.Handler(http.HandlerFunc(s.receiveUpload))
	files := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.servedToCPE(r, r.PathValue("name")) {
			http.NotFound(w, r)
			return
		}
		s.serveFile(w, r)
	}))
	if s.cwmpAuth != nil {
		h = s.cwmpAuth.Middleware(fileUsersRefused(h))
		up = s.cwmpAuth.Middleware(fileUsersRefused(up))
		files = s.cwmpAuth.Middleware(files)
	}
	mux.Handle("GET /files/{name...}", files)
	mux.Handle("PUT /uploads/{name...}", up)
	mux.Handle("POST /uploads/{name...}", up)
	mux.Handle("/", h)
	return mux
}

// serveFile answers a CPE's download, streamed from the store (limits.go
// serveStored).
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	fr, err := s.st.OpenFile(r.Context(), r.PathValue("name"))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("acs: opening a file", "file", r.PathValue("name"), "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer fr.Close()
	serveStored(w, r, fr)
}

func (s *Server) handleCWMP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "CWMP endpoint: POST only", http.StatusMethodNotAllowed)
		return
	}
	w, done := answerInKind(w, r)
	defer done()
	env, raw, err := s.readEnvelope(r)
	if errors.Is(err, errDecodeBusy) {
		busy(w, err.Error())
		return
	}
	if errors.Is(err, errTooLarge) || errors.Is(err, cwmp.ErrTooLarge) {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	var mu *cwmp.MustUnderstandError
	if errors.As(err, &mu) {
		_ = cwmp.WriteEnvelope(w, env.Reply(mu.Fault()))
		return
	}
	if err != nil {
		s.undecodable(w, r, raw, err)
		return
	}
	if inf, ok := env.Body.(*cwmp.Inform); ok {
		s.conformanceInform(inf, raw) // conformance_watch.go
		s.handleInform(w, r, env, inf)
		return
	}
	se := s.sessionOf(r)
	if se == nil {
		if env.IsEmpty() {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Error(w, "no CWMP session: a session starts with an Inform", http.StatusBadRequest)
		return
	}
	if !s.sessionIdentity(r, se) {
		http.Error(w, "the CWMP session belongs to other credentials", http.StatusForbidden)
		return
	}
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.closed {
		http.Error(w, "CWMP session ended", http.StatusBadRequest)
		return
	}
	se.touch()
	s.conformanceSaw(se.dev.ID, r, env, raw) // conformance_watch.go
	s.decodeFindings(se, env)
	s.observeMessage(se, env.Body)
	switch m := env.Body.(type) {
	case nil:
		if se.inflight != nil {
			s.noAnswer(se, "the CPE sent an empty POST instead of an answer")
		}
		s.next(w, r, se)
	case *cwmp.Fault:
		if se.inflight != nil && se.inflight.job != nil {
			se.inflight = nil
			s.jobFallback(se, fmt.Sprintf("fault %d", m.Code))
		} else {
			s.recordFault(se, m)
		}
		s.next(w, r, se)
	case *cwmp.TransferComplete:
		s.transferComplete(se, m)
		s.reply(w, se, env, &cwmp.TransferCompleteResponse{})
	case *cwmp.AutonomousTransferComplete:
		s.reply(w, se, env, &cwmp.AutonomousTransferCompleteResponse{})
	case *cwmp.DUStateChangeComplete:
		s.duStateChangeComplete(se, m)
		s.reply(w, se, env, &cwmp.DUStateChangeCompleteResponse{})
	case *cwmp.AutonomousDUStateChangeComplete:
		s.reply(w, se, env, &cwmp.AutonomousDUStateChangeCompleteResponse{})
	case *cwmp.GetRPCMethods:
		s.reply(w, se, env, &cwmp.GetRPCMethodsResponse{MethodList: []string{"Inform", "GetRPCMethods", "TransferComplete",
			"AutonomousTransferComplete", "DUStateChangeComplete", "AutonomousDUStateChangeComplete", "RequestDownload"}})
	case *cwmp.RequestDownload:
		s.reply(w, se, env, &cwmp.RequestDownloadResponse{})
	case *cwmp.Kicked, *cwmp.UnknownMethod:
		s.reply(w, se, env, cwmp.NewFault(cwmp.FaultACSMethodNotSupported, ""))
	default:
		if se.inflight == nil || m.MethodName() != expectedResponse(se.inflight.msg) {
			s.reply(w, se, env, cwmp.NewFault(cwmp.FaultACSRequestDenied, "unexpected "+m.MethodName()))
			return
		}
		if se.inflight.job != nil {
			s.jobResponse(se, m)
		} else {
			s.recordResponse(se, m)
		}
		if _, ok := m.(*cwmp.AddObjectResponse); ok {
			s.checkpoint(se) // an AddObject must not run twice (outage.go)
		}
		s.next(w, r, se)
	}
}

func (s *Server) reply(w http.ResponseWriter, se *session, env *cwmp.Envelope, m cwmp.Message) {
	if err := cwmp.WriteEnvelope(w, env.Reply(m)); err != nil {
		// A reply the session's CWMP version lacks (an
		// AutonomousTransferComplete in cwmp-1-0): a SOAP fault, not a 500.
		s.log.Debug("acs: encoding reply", "device", se.dev.ID, "err", err)
		if err := cwmp.WriteEnvelope(w, env.Reply(cwmp.NewFault(cwmp.FaultACSMethodNotSupported, m.MethodName()+" is not in "+string(env.Namespace)))); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}
}

// handleInform opens a session.
func (s *Server) handleInform(w http.ResponseWriter, r *http.Request, env *cwmp.Envelope, inf *cwmp.Inform) {
	ctx := r.Context()
	if emptyDeviceID(inf) {
		_ = cwmp.WriteEnvelope(w, env.Reply(cwmp.NewFault(cwmp.FaultACSInvalidArguments, "the Inform's DeviceId has no OUI or no SerialNumber")))
		return
	}
	id := DeviceID(inf.DeviceID.OUI, inf.DeviceID.ProductClass, inf.DeviceID.SerialNumber)
	if s.cwmpAuth != nil {
		if user, ok := auth.User(ctx); ok && user != s.cfg.Auth.Username {
			if _, dev, err := s.st.Credential(ctx, user); err == nil && dev != "" && dev != id {
				http.Error(w, "credentials of another device", http.StatusForbidden)
				return
			}
		}
	}
	se := &session{id: newToken(), ns: env.Namespace, handled: map[int64]bool{}, timeout: s.sessionTimeout(env.Header.SessionTimeout)}
	se.user, _ = auth.User(ctx)
	se.dev.ID = id
	se.touch()
	se.conn = r.RemoteAddr
	s.mu.Lock()
	if s.sessionsFullLocked() {
		s.mu.Unlock()
		busy(w, "the ACS is at its bound of concurrent sessions")
		return
	}
	if bootstraps(inf) && !s.cfg.NoDiscovery {
		if s.firstContactsFullLocked() {
			s.mu.Unlock()
			s.observeRefused()
			busyFirstContact(w)
			return
		}
		s.firstContacts++
		se.firstContact = true
	}
	if old, ok := s.byDevice[id]; ok {
		if old.committing.Load() {
			// Its last session is not stored yet (outage.go): the
			// device waits rather than start from stale state.
			s.mu.Unlock()
			w.Header().Set("Retry-After", "5")
			http.Error(w, "the device's last CWMP session is still being stored", http.StatusServiceUnavailable)
			return
		}
		// A CPE has one session at a time: a new Inform means it dropped
		// the old one (it crashed, lost the connection or gave up
		// waiting). End the old one first; its RPC in flight got no
		// answer.
		s.mu.Unlock()
		s.endSession(old, "the CPE started a new session")
		s.mu.Lock()
	}
	s.byDevice[id] = se
	s.sessions[se.id] = se
	s.byConn[se.conn] = se
	s.mu.Unlock()

	se.mu.Lock()
	defer se.mu.Unlock()
	if s.shared != nil {
		// One session per device across the processes sharing the store.
		unlock, err := s.shared.LockDevice(ctx, id)
		if err != nil {
			s.dropSession(se)
			if errors.Is(err, store.ErrLocked) {
				w.Header().Set("Retry-After", "5")
				http.Error(w, "a CWMP session with this device is in progress", http.StatusServiceUnavailable)
				return
			}
			s.log.Error("acs: inform", "device", id, "err", err)
			busy(w, "the ACS's store is unavailable")
			return
		}
		se.unlock = unlock
	}
	if err := s.openSession(ctx, se, id, inf, r); err != nil {
		// A store outage: the CPE comes back later (TR-069 3.7.1.5).
		s.log.Error("acs: inform", "device", id, "err", err)
		s.dropSession(se)
		s.observeRefused()
		busy(w, "the ACS's store is unavailable")
		return
	}
	s.observeOpen(se, inf)
	s.decodeFindings(se, env)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: se.id, Path: "/", HttpOnly: true})
	resp := env.Reply(&cwmp.InformResponse{MaxEnvelopes: 1})
	if v := useVersion(env.Header.SupportedCWMPVersions); v != "" && env.Namespace == cwmp.Namespace12 {
		resp.Header.UseCWMPVersion = v
	}
	if err := cwmp.WriteEnvelope(w, resp); err != nil {
		s.log.Error("acs: encoding InformResponse", "device", id, "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// sessionTimeout is the silence after which a session ends: the ACS's own
// timeout, or the CPE's proposal (seconds; 0 when it made none) when that is
// longer, up to Config.MaxSessionTimeout: a session that holds a device's
// slot longer is more likely dead (or spoofed) than slow.
func (s *Server) sessionTimeout(proposed uint32) time.Duration {
	d := s.cfg.SessionTimeout
	if p := time.Duration(proposed) * time.Second; p > d {
		d = min(p, s.maxSessionTimeout())
	}
	return d
}

// useVersion picks the highest CWMP version the CPE supports, up to 1.4.
func useVersion(supported string) string {
	best := ""
	for _, v := range cwmp.ParseCWMPVersions(supported) {
		if v <= "1.4" && v > best && len(v) == 3 {
			best = v
		}
	}
	return best
}

func (s *Server) openSession(ctx context.Context, se *session, id string, inf *cwmp.Inform, r *http.Request) error {
	now := time.Now().UTC()
	d, err := s.device(ctx, id)
	first := false
	switch {
	case errors.Is(err, store.ErrNotFound):
		first = true
		d = &store.Device{ID: id, FirstSeen: now}
	case err != nil:
		return err
	}
	d.Tags = nil
	d.OUI, d.ProductClass, d.SerialNumber, d.Manufacturer = inf.DeviceID.OUI, inf.DeviceID.ProductClass, inf.DeviceID.SerialNumber, inf.DeviceID.Manufacturer
	d.LastInform = now
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		d.RemoteAddr = host
	}
	if len(inf.ParameterList) > 0 {
		if root := rootOf(inf.ParameterList[0].Name); root != "" && root != d.Root {
			d.Root = root
		}
	}
	se.dev = *d
	se.rec = parseRecord(d.Discovery)
	s.mu.Lock()
	se.flagged = s.shared != nil || s.flagged[id]
	s.mu.Unlock()
	se.bind = BindDevice(d)
	if se.bind != nil {
		se.dev.Model = se.bind.ModelName()
		se.dev.Services = se.bind.ServiceModels()
	} else {
		se.dev.Model, se.dev.Services = "", nil
	}
	se.batch.Device = &se.dev

	var waitingKeys []string
	bootstrap := false
	for _, ev := range inf.Event {
		switch ev.EventCode {
		case cwmp.EventBootstrap:
			bootstrap = true
			if !first {
				se.batch.Forget = true
			}
			se.dev.Discovered = false
		case cwmp.EventBoot:
			se.dev.LastBoot = now
		case cwmp.EventMReboot, cwmp.EventMScheduleInform:
			waitingKeys = append(waitingKeys, ev.CommandKey)
		}
	}
	if se.bind == nil {
		se.addFinding(&store.Finding{Path: d.Root, Rule: RuleUnboundModel, Message: "the Inform names no root object of a known model (Device. or InternetGatewayDevice.)"})
	}
	se.storeValues(inf.ParameterList)
	se.informKey = informParameterKey(inf, d.Root)

	// Tasks confirmed by this Inform's events.
	for _, key := range waitingKeys {
		t := s.taskByKey(ctx, key)
		if t != nil && t.DeviceID == id && t.Status == store.TaskWaiting {
			s.finishTask(se, t, store.TaskDone, nil, 0, "")
		}
	}
	if s.wantsDiscovery(se, bootstrap) {
		if err := s.queueDiscovery(ctx, se); err != nil {
			return err
		}
	}
	if err := s.policyOpen(ctx, se, inf); err != nil {
		return err
	}
	return s.loadQueue(ctx, se)
}

func (s *Server) taskByKey(ctx context.Context, key string) *store.Task {
	n, ok := strings.CutPrefix(key, commandKeyPrefix)
	if !ok {
		return nil
	}
	id, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return nil
	}
	t, err := s.st.Task(ctx, id)
	if err != nil {
		return nil
	}
	return t
}

// queueDiscovery queues, unless already queued, the discovery of the
// device's tree: GetParameterNames of the root (NextLevel false), then
// GetParameterValues of the root.
func (s *Server) queueDiscovery(ctx context.Context, se *session) error {
	pending, err := s.st.Tasks(ctx, store.TaskFilter{DeviceID: se.dev.ID, Status: []string{store.TaskPending}})
	if err != nil {
		return err
	}
	for _, t := range pending {
		if t.Internal {
			return nil
		}
	}
	root := se.bind.Root
	gpn, _ := json.Marshal(TaskSpec{Name: "getParameterNames", ParameterPath: &root})
	gpv, _ := json.Marshal(TaskSpec{Name: "getParameterValues", ParameterNames: []string{root}})
	for _, spec := range []struct {
		name string
		raw  []byte
	}{{"getParameterNames", gpn}, {"getParameterValues", gpv}} {
		if err := s.addTask(ctx, &store.Task{DeviceID: se.dev.ID, Name: spec.name, Spec: spec.raw, Internal: true}); err != nil {
			return err
		}
	}
	return nil
}

// loadQueue reads the device's pending tasks not yet handled in this
// session; the ACS's own (discovery) first.
func (s *Server) loadQueue(ctx context.Context, se *session) error {
	se.queue = se.queue[:0]
	s.mu.Lock()
	gen := s.pending[se.dev.ID]
	s.mu.Unlock()
	if gen == 0 && s.shared == nil {
		return nil
	}
	ts, err := s.st.Tasks(ctx, store.TaskFilter{DeviceID: se.dev.ID, Status: []string{store.TaskPending}})
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		// Forget the note unless a task was added meanwhile (addTask
		// moves the count again once the task is stored).
		s.mu.Lock()
		if s.pending[se.dev.ID] == gen {
			delete(s.pending, se.dev.ID)
		}
		s.mu.Unlock()
	}
	now := time.Now()
	for _, t := range ts {
		// A task whose RPC got no answer waits for its retry time.
		if !se.handled[t.ID] && !now.Before(t.RetryAfter) {
			se.queue = append(se.queue, t)
		}
	}
	// The ACS's own tasks (discovery) first, unless they already went
	// unanswered: then the NBI's tasks do not wait for them.
	stuck := false
	for _, t := range ts {
		stuck = stuck || t.Internal && t.Attempts > 0
	}
	rank := func(t *store.Task) int {
		switch {
		case !t.Internal:
			return 1
		case stuck:
			return 2
		}
		return 0
	}
	sort.SliceStable(se.queue, func(i, j int) bool { return rank(se.queue[i]) < rank(se.queue[j]) })
	return nil
}

// next sends the next RPC of the session, or ends it with 204.
func (s *Server) next(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	se.inflight = nil
	if se.recheck.Swap(false) {
		if err := s.loadQueue(ctx, se); err != nil {
			s.log.Error("acs: loading tasks", "device", se.dev.ID, "err", err)
		}
	}
	if se.job != nil && s.sendJob(w, se) {
		return
	}
	for {
		for len(se.queue) > 0 {
			t := se.queue[0]
			se.queue = se.queue[1:]
			se.handled[t.ID] = true
			// The task may have been cancelled since the queue was read.
			if cur, err := s.st.Task(ctx, t.ID); err != nil || cur.Status != store.TaskPending {
				continue
			}
			if se.bind == nil {
				s.finishTask(se, t, store.TaskFault, nil, int(cwmp.FaultACSInternalError), "the device is bound to no data model")
				continue
			}
			if t.Internal || t.Name == "refreshObject" {
				if se.job = s.startDiscovery(ctx, se, t); se.job == nil {
					continue
				}
				if s.sendJob(w, se) {
					return
				}
				continue
			}
			prep, rerr := s.sendableTask(ctx, se, t)
			if rerr != nil {
				s.finishTask(se, t, store.TaskFault, nil, 0, rerr.Error())
				continue
			}
			t.CommandKey = commandKeyPrefix + strconv.FormatInt(t.ID, 10)
			if alreadyApplied(se, t, prep) {
				s.finishTask(se, t, store.TaskDone, &TaskResult{AlreadyApplied: true, ParameterKey: t.CommandKey}, 0, "")
				continue
			}
			msg := prep.message(t.CommandKey, s.baseURL()+"/uploads/"+url2name(se.dev.ID)+"/"+strconv.FormatInt(t.ID, 10))
			s.encodeFor(se, msg)
			s.fileCredentials(se, prep, msg)
			if s.send(w, se, &inflight{task: t, prep: prep, msg: msg, id: t.CommandKey}) {
				return
			}
		}
		// Another process sharing the store may have queued tasks since
		// the queue was read (its addTask cannot flag this session).
		if s.shared == nil {
			break
		}
		if err := s.loadQueue(ctx, se); err != nil {
			s.log.Error("acs: loading tasks", "device", se.dev.ID, "err", err)
			break
		}
		if len(se.queue) == 0 {
			break
		}
	}
	if s.policyNext(ctx, w, se) {
		return
	}
	if len(s.cfg.InformGet) > 0 && !se.informGo && se.bind != nil {
		se.informGo = true
		se.rpcSeq++
		msg := &cwmp.GetParameterValues{ParameterNames: s.cfg.InformGet}
		if s.send(w, se, &inflight{msg: msg, id: "dmf-get-" + strconv.Itoa(se.rpcSeq)}) {
			return
		}
	}
	// Nothing more to ask: end the session.
	if err := s.endSession(se, ""); err != nil {
		http.Error(w, "ACS error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func url2name(id string) string { return strings.ReplaceAll(id, "%", "_") }

// send writes an RPC request; false if it does not encode (the task is
// then failed and the caller moves on).
func (s *Server) send(w http.ResponseWriter, se *session, in *inflight) bool {
	env := &cwmp.Envelope{Namespace: se.ns, Header: cwmp.Header{ID: in.id}, Body: in.msg}
	b, err := cwmp.Marshal(env)
	if err != nil {
		if in.task != nil {
			s.finishTask(se, in.task, store.TaskFault, nil, 0, "the RPC does not encode: "+err.Error())
		}
		return false
	}
	se.inflight = in
	s.observeSend(se, in.msg)
	s.conformanceSent(se.dev.ID, in.id, in.msg, b) // conformance_watch.go
	h := w.Header()
	h.Set("Content-Type", cwmp.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return true
}

// finishTask records a task's outcome in the session batch.
func (s *Server) finishTask(se *session, t *store.Task, status string, result any, faultCode int, faultString string) {
	t.Status = status
	t.Updated = time.Now().UTC()
	if result != nil {
		t.Result, _ = json.Marshal(result)
	}
	t.FaultCode, t.FaultString = faultCode, faultString
	se.batch.Tasks = append(se.batch.Tasks, t)
	if status == store.TaskFault {
		se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, TaskID: t.ID, Method: t.Name, Code: faultCode, String: faultString, Time: t.Updated})
	}
}

func (s *Server) recordFault(se *session, f *cwmp.Fault) {
	in := se.inflight
	if in == nil {
		se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Code: int(f.Code), String: f.Error(), Time: time.Now().UTC()})
		return
	}
	if in.policy != nil {
		s.policyFault(se, in, f)
		return
	}
	var detail json.RawMessage
	if len(f.SetParameterValuesFaults) > 0 {
		detail, _ = json.Marshal(f.SetParameterValuesFaults)
	}
	if in.task == nil {
		se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Method: in.msg.MethodName(), Code: int(f.Code), String: f.Error(), Detail: detail, Time: time.Now().UTC()})
		return
	}
	if len(in.prep.spec.ExpectFault) > 0 {
		s.judgeNegative(se, in, f)
		return
	}
	t := in.task
	t.Status, t.Updated = store.TaskFault, time.Now().UTC()
	t.FaultCode, t.FaultString = int(f.Code), f.Error()
	if detail != nil {
		t.Result = detail
	}
	se.batch.Tasks = append(se.batch.Tasks, t)
	se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, TaskID: t.ID, Method: in.msg.MethodName(), Code: int(f.Code), String: f.Error(), Detail: detail, Time: t.Updated})
}

// recordResponse records the CPE's answer to the RPC in flight.
func (s *Server) recordResponse(se *session, m cwmp.Message) {
	in := se.inflight
	if in.policy != nil {
		s.policyResponse(se, in, m)
		return
	}
	now := time.Now().UTC()
	var result any
	status := store.TaskDone
	switch m := m.(type) {
	case *cwmp.GetParameterValuesResponse:
		se.storeValues(m.ParameterList)
		se.notePartialPath(in.msg)
		vals := make([][3]string, len(m.ParameterList))
		for i, p := range m.ParameterList {
			vals[i] = [3]string{p.Name, p.Value, p.Type}
		}
		result = &TaskResult{ParameterValues: vals}
	case *cwmp.SetParameterValuesResponse:
		for _, v := range in.prep.values {
			se.batch.Parameters = append(se.batch.Parameters, store.Parameter{Name: v.Name, Value: v.Value, Type: v.Type, HasValue: true, Updated: now})
			se.noteKnown(v.Name, v.Value)
		}
		result = &TaskResult{Status: intPtr(m.Status)}
	case *cwmp.GetParameterNamesResponse:
		names := make([]store.Parameter, len(m.ParameterList))
		list := make([]ParameterName, len(m.ParameterList))
		for i, p := range m.ParameterList {
			wr := p.Writable
			names[i] = store.Parameter{Name: p.Name, Writable: &wr, Object: strings.HasSuffix(p.Name, "."), Updated: now}
			list[i] = ParameterName{Name: p.Name, Writable: p.Writable}
		}
		se.batch.Parameters = append(se.batch.Parameters, names...)
		spec := in.prep.spec
		if se.bind != nil && spec.ParameterPath != nil && *spec.ParameterPath == se.bind.Root && !spec.NextLevel {
			// A complete tree: names, access flags and required parameters
			// are judged when the session ends (the discovery's
			// GetParameterValues tells the device's RootDataModelVersion);
			// it replaces earlier findings.
			se.discoveredAt = [2]int{len(se.batch.Parameters) - len(names), len(se.batch.Parameters)}
			se.discovered = true
			se.batch.ClearFindings = true
			se.dev.Discovered = true
			// What the tree no longer names, the device no longer has.
			se.batch.Complete = se.bind.Root
		}
		result = &TaskResult{Parameters: list}
	case *cwmp.GetParameterAttributesResponse:
		result = &TaskResult{ParameterAttributes: m.ParameterList}
	case *cwmp.SetParameterAttributesResponse:
	case *cwmp.AddObjectResponse:
		obj := addedInstance(in.prep.spec.ObjectName, m.InstanceNumber)
		se.batch.Parameters = append(se.batch.Parameters, store.Parameter{Name: obj, Object: true, Updated: now})
		result = &TaskResult{InstanceNumber: m.InstanceNumber, Status: intPtr(m.Status), Object: obj}
	case *cwmp.DeleteObjectResponse:
		se.batch.DeleteParameters = append(se.batch.DeleteParameters, in.prep.spec.ObjectName)
		result = &TaskResult{Status: intPtr(m.Status)}
	case *cwmp.RebootResponse:
		status = store.TaskWaiting // until the Inform with "M Reboot"
	case *cwmp.FactoryResetResponse:
	case *cwmp.ScheduleInformResponse:
	case *cwmp.GetRPCMethodsResponse:
		result = &TaskResult{Methods: m.MethodList}
	case *cwmp.DownloadResponse:
		result = &TaskResult{Status: intPtr(m.Status)}
		if m.Status == cwmp.StatusCommitted {
			status = store.TaskWaiting // until TransferComplete
		}
	case *cwmp.UploadResponse:
		result = &TaskResult{Status: intPtr(m.Status)}
		if m.Status == cwmp.StatusCommitted {
			status = store.TaskWaiting
		}
	case *cwmp.ScheduleDownloadResponse:
		status = store.TaskWaiting // until TransferComplete
	case *cwmp.ChangeDUStateResponse:
		status = store.TaskWaiting // until DUStateChangeComplete
	case *cwmp.CancelTransferResponse:
		// The CPE dropped the transfer: its task will see no
		// TransferComplete.
		if t := s.taskByKey(context.Background(), in.prep.spec.transferKey()); t != nil && t.DeviceID == se.dev.ID &&
			(t.Status == store.TaskWaiting || t.Status == store.TaskPending) {
			s.finishTask(se, t, store.TaskCancelled, &TaskResult{CancelledBy: in.task.ID}, 0, "")
		}
	case *cwmp.GetAllQueuedTransfersResponse:
		result = &TaskResult{Transfers: m.TransferList}
	}
	if in.task != nil && len(in.prep.spec.ExpectFault) > 0 {
		s.judgeNegative(se, in, nil) // accepted what it had to refuse
		return
	}
	if in.task != nil {
		in.task.Status = status
		s.finishTask(se, in.task, status, result, 0, "")
	}
}

// transferComplete completes the Download or Upload task of its
// CommandKey.
func (s *Server) transferComplete(se *session, m *cwmp.TransferComplete) {
	if s.policyTransfer(se, m) {
		return
	}
	t := s.taskByKey(context.Background(), m.CommandKey)
	if !completable(t, se.dev.ID, true) {
		se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Method: "TransferComplete", Code: int(m.FaultStruct.FaultCode),
			String: fmt.Sprintf("TransferComplete for unknown CommandKey %q (no open transfer task of this device)", m.CommandKey), Time: time.Now().UTC()})
		return
	}
	res := &TaskResult{StartTime: m.StartTime, CompleteTime: m.CompleteTime}
	if m.FaultStruct.FaultCode != 0 {
		s.finishTask(se, t, store.TaskFault, res, int(m.FaultStruct.FaultCode), m.FaultStruct.FaultString)
		return
	}
	s.finishTask(se, t, store.TaskDone, res, 0, "")
}

// duStateChangeComplete completes the changeDUState task of its
// CommandKey with the result of every operation. The task is a fault when
// an operation failed (with the first failure's code); the results say
// which.
func (s *Server) duStateChangeComplete(se *session, m *cwmp.DUStateChangeComplete) {
	t := s.taskByKey(context.Background(), m.CommandKey)
	if !completable(t, se.dev.ID, false) {
		se.batch.Faults = append(se.batch.Faults, store.Fault{DeviceID: se.dev.ID, Method: "DUStateChangeComplete",
			String: fmt.Sprintf("DUStateChangeComplete for unknown CommandKey %q", m.CommandKey), Time: time.Now().UTC()})
		return
	}
	results := make([]DUResult, len(m.Results))
	code, why := 0, ""
	for i, r := range m.Results {
		res := DUResult{UUID: r.UUID, DeploymentUnitRef: r.DeploymentUnitRef, Version: r.Version, CurrentState: r.CurrentState,
			Resolved: r.Resolved, ExecutionUnitRefList: r.ExecutionUnitRefList, StartTime: r.StartTime, CompleteTime: r.CompleteTime}
		if r.Fault.FaultCode != 0 {
			res.FaultCode, res.FaultString = int(r.Fault.FaultCode), r.Fault.FaultString
			if code == 0 {
				code, why = int(r.Fault.FaultCode), fmt.Sprintf("operation %d: %s", i, r.Fault.FaultString)
			}
		}
		results[i] = res
	}
	// The deployment and execution unit tables changed: what the ACS knew
	// of them is stale until read again.
	se.batch.DeleteParameters = append(se.batch.DeleteParameters, se.dev.Root+"SoftwareModules.DeploymentUnit.", se.dev.Root+"SoftwareModules.ExecutionUnit.")
	if code != 0 {
		s.finishTask(se, t, store.TaskFault, &TaskResult{Results: results}, code, why)
		return
	}
	s.finishTask(se, t, store.TaskDone, &TaskResult{Results: results}, 0, "")
}

// endSession commits what the session recorded and forgets it. reason is
// "" for a normal end.
func (s *Server) endSession(se *session, reason string) error {
	if reason != "" {
		// Not called with se.mu held: wait for a running request.
		se.mu.Lock()
		defer se.mu.Unlock()
		if se.closed {
			return nil
		}
		s.log.Debug("acs: session ended", "device", se.dev.ID, "reason", reason)
	}
	se.closed = true
	s.observeEnd(se, reason)
	if se.inflight != nil && reason != "" {
		s.noAnswer(se, reason)
	}
	s.mergeDiscoveryOverride(se)
	if se.discovered && se.bind != nil {
		for _, f := range se.bind.checkNames(se.batch.Parameters[se.discoveredAt[0]:se.discoveredAt[1]], se.dev.DataModel) {
			se.addFinding(&f)
		}
		se.discovered = false
	}
	if err := s.commitSession(se); err != nil {
		// The CPE has run the session's RPCs: the batch is retried
		// (outage.go), and the device gets no new session until it lands,
		// so nothing runs twice.
		s.log.Error("acs: committing session; retrying", "device", se.dev.ID, "err", err)
		s.retryCommit(se)
		return nil
	}
	s.policyEnd(se)
	s.campaignEnd(se) // campaigns.go
	s.dropSession(se)
	return nil
}

// dropSession forgets the session and releases its device's lock in a
// shared store. Called with se.mu held.
func (s *Server) dropSession(se *session) {
	if se.unlock != nil {
		se.unlock()
		se.unlock = nil
	}
	s.mu.Lock()
	if s.sessions[se.id] == se {
		delete(s.sessions, se.id)
		if se.firstContact {
			s.firstContacts--
		}
	}
	if s.byDevice[se.dev.ID] == se {
		delete(s.byDevice, se.dev.ID)
	}
	if s.byConn[se.conn] == se {
		delete(s.byConn, se.conn)
	}
	s.mu.Unlock()
}

// fileCredentials gives a Download, ScheduleDownload or ChangeDUState of
// the ACS's own files (named by "file" in the task) the device's file
// credentials (fileCredential), since the ACS serves its files to
// authenticated CPEs only. Credentials the task gives are kept.
func (s *Server) fileCredentials(se *session, prep *prepared, msg cwmp.Message) {
	if s.cwmpAuth == nil || se.user == "" {
		return
	}
	// Credentials of the device's own, derived from a key: the ACS knows
	// no per-device password, and does not hand out the global one.
	user, pass := s.fileCredential(se.dev.ID)
	switch m := msg.(type) {
	case *cwmp.Download:
		if prep.spec.File != "" && m.Username == "" {
			m.Username, m.Password = user, pass
		}
	case *cwmp.ScheduleDownload:
		if prep.spec.File != "" && m.Username == "" {
			m.Username, m.Password = user, pass
		}
	case *cwmp.ChangeDUState:
		for i, op := range m.Operations {
			if i >= len(prep.spec.Operations) || prep.spec.Operations[i].File == "" {
				continue
			}
			switch o := op.(type) {
			case *cwmp.InstallOpStruct:
				if o.Username == "" {
					o.Username, o.Password = user, pass
				}
			case *cwmp.UpdateOpStruct:
				if o.Username == "" {
					o.Username, o.Password = user, pass
				}
			}
		}
	}
}

// addedInstance is the instance path AddObject created: the table path
// with the instance number ("Table.[alias]." names the table and the new
// instance's alias).
func addedInstance(objectName string, n uint32) string {
	table := objectName
	if t := strings.TrimSuffix(objectName, "."); strings.HasSuffix(t, "]") {
		if i := strings.LastIndexByte(t, '.') + 1; t[i] == '[' {
			table = t[:i]
		}
	}
	return table + strconv.FormatUint(uint64(n), 10) + "."
}
