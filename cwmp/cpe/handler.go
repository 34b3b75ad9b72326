package cpe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// AccessOverrider is an optional Store interface: a device whose access
// mode for a parameter differs from the model's (as a loaded profile may
// say) reports it, and the handlers use it instead of the model's.
type AccessOverrider interface {
	Access(path string) (model.Access, bool)
}

// TypeOverrider is an optional Store interface: a device that reports a
// parameter with another wire type than the model's (as a loaded profile
// may say) keeps doing so, and expects it in SetParameterValues.
type TypeOverrider interface {
	Type(path string) (model.BaseType, bool)
}

// Handler answers the ACS's requests for one device: it checks every path,
// type, value and access mode against the schema, then calls the Store.
// Side effects that happen after the session (reboot, transfers, scheduled
// informs) are handed to the hooks. It is safe for concurrent use.
type Handler struct {
	Schema *model.Schema
	Store  Store

	// OnReboot is called when a Reboot has been accepted.
	OnReboot func(commandKey string)
	// OnFactoryReset is called when a FactoryReset has been accepted.
	OnFactoryReset func()
	// OnDownload and OnUpload queue a transfer; nil answers 9000.
	OnDownload func(*cwmp.Download) error
	OnUpload   func(*cwmp.Upload) error
	// OnScheduleDownload queues a download within time windows; nil answers 9000.
	OnScheduleDownload func(*cwmp.ScheduleDownload) error
	// OnScheduleInform is called when a ScheduleInform has been accepted.
	OnScheduleInform func(delaySeconds uint32, commandKey string)
	// QueuedTransfers lists the accepted transfers not yet complete, and
	// OnCancelTransfer cancels the queued ones with a command key; nil
	// answers GetQueuedTransfers, GetAllQueuedTransfers and CancelTransfer
	// with 9000.
	QueuedTransfers  func() []cwmp.AllQueuedTransferStruct
	OnCancelTransfer func(commandKey string) *cwmp.Fault
	// OnChangeDUState accepts a ChangeDUState: the operations run after
	// the session and their results go to the ACS in a
	// DUStateChangeComplete. nil answers 9000.
	OnChangeDUState func(*cwmp.ChangeDUState) error
	// Options answers GetOptions and SetVouchers (the optional Options
	// feature of TR-069); nil answers 9000.
	Options OptionsHandler

	mu       sync.Mutex
	ownAttrs *attrMap // attributes, when the Store keeps none
	// owned holds read-only values the runtime itself maintains when the
	// Store cannot hold them (ParameterKey, ConnectionRequestURL...).
	owned map[string]string
}

// OptionsHandler keeps a device's options, enabled by signed vouchers
// (TR-069 Annex C).
type OptionsHandler interface {
	// GetOptions returns the option named name, or every option for "".
	GetOptions(name string) ([]cwmp.OptionStruct, error)
	// SetVouchers checks and applies vouchers: all of them or none.
	SetVouchers(vouchers [][]byte) error
}

// ParameterKeySetter is an optional Store interface: a Store that keeps
// ManagementServer.ParameterKey itself (it is read-only, so Set may refuse
// it). Without it the handler keeps the key in memory.
type ParameterKeySetter interface {
	SetParameterKey(key string) error
}

// get reads a value: one the runtime owns, or the Store's.
func (h *Handler) get(path string) (string, bool) {
	h.mu.Lock()
	v, ok := h.owned[path]
	h.mu.Unlock()
	if ok {
		return v, true
	}
	return h.Store.Get(path)
}

// SetOwned makes the runtime hold the value of a read-only parameter the
// Store cannot set.
func (h *Handler) SetOwned(path, value string) {
	h.mu.Lock()
	if h.owned == nil {
		h.owned = map[string]string{}
	}
	h.owned[path] = value
	h.mu.Unlock()
}

// Methods are the RPCs the handler implements.
var Methods = []string{
	"GetRPCMethods", "GetParameterNames", "GetParameterValues", "SetParameterValues",
	"GetParameterAttributes", "SetParameterAttributes", "AddObject", "DeleteObject",
	"Reboot", "FactoryReset", "Download", "Upload", "ScheduleInform",
	"GetQueuedTransfers", "GetAllQueuedTransfers", "CancelTransfer", "ScheduleDownload",
	"ChangeDUState", "SetVouchers", "GetOptions",
}

// Handle answers one request. The error is a *cwmp.Fault to send back.
func (h *Handler) Handle(req cwmp.Message) (cwmp.Message, *cwmp.Fault) {
	switch r := req.(type) {
	case *cwmp.GetRPCMethods:
		list := make([]string, 0, len(Methods))
		for _, m := range Methods {
			switch {
			case (m == "GetQueuedTransfers" || m == "GetAllQueuedTransfers") && h.QueuedTransfers == nil,
				m == "CancelTransfer" && h.OnCancelTransfer == nil,
				m == "ScheduleDownload" && h.OnScheduleDownload == nil,
				m == "ChangeDUState" && h.OnChangeDUState == nil,
				(m == "SetVouchers" || m == "GetOptions") && h.Options == nil:
				continue // only what this handler answers
			}
			list = append(list, m)
		}
		return &cwmp.GetRPCMethodsResponse{MethodList: list}, nil
	case *cwmp.GetParameterNames:
		return h.getParameterNames(r)
	case *cwmp.GetParameterValues:
		return h.getParameterValues(r)
	case *cwmp.SetParameterValues:
		return h.setParameterValues(r)
	case *cwmp.GetParameterAttributes:
		return h.getParameterAttributes(r)
	case *cwmp.SetParameterAttributes:
		return h.setParameterAttributes(r)
	case *cwmp.AddObject:
		return h.addObject(r)
	case *cwmp.DeleteObject:
		return h.deleteObject(r)
	case *cwmp.Reboot:
		if h.OnReboot != nil {
			h.OnReboot(r.CommandKey)
		}
		return &cwmp.RebootResponse{}, nil
	case *cwmp.FactoryReset:
		if h.OnFactoryReset != nil {
			h.OnFactoryReset()
		}
		return &cwmp.FactoryResetResponse{}, nil
	case *cwmp.Download:
		if h.OnDownload == nil {
			break
		}
		if f := checkTransferURL(r.URL); f != nil {
			return nil, f
		}
		if err := h.OnDownload(r); err != nil {
			return nil, asFault(err)
		}
		return &cwmp.DownloadResponse{Status: 1}, nil
	case *cwmp.ScheduleDownload:
		if h.OnScheduleDownload == nil {
			break
		}
		if f := checkTransferURL(r.URL); f != nil {
			return nil, f
		}
		if err := h.OnScheduleDownload(r); err != nil {
			return nil, asFault(err)
		}
		return &cwmp.ScheduleDownloadResponse{}, nil
	case *cwmp.Upload:
		if h.OnUpload == nil {
			break
		}
		if f := checkTransferURL(r.URL); f != nil {
			return nil, f
		}
		if err := h.OnUpload(r); err != nil {
			return nil, asFault(err)
		}
		return &cwmp.UploadResponse{Status: 1}, nil
	case *cwmp.GetQueuedTransfers, *cwmp.GetAllQueuedTransfers:
		if h.QueuedTransfers == nil {
			break
		}
		list := h.QueuedTransfers()
		if len(list) > 16 {
			list = list[:16] // the response holds at most 16 (TR-069 A.4.1.1, A.4.1.7)
		}
		if _, all := r.(*cwmp.GetAllQueuedTransfers); all {
			return &cwmp.GetAllQueuedTransfersResponse{TransferList: list}, nil
		}
		short := make([]cwmp.QueuedTransferStruct, len(list))
		for i, q := range list {
			short[i] = cwmp.QueuedTransferStruct{CommandKey: q.CommandKey, State: q.State}
		}
		return &cwmp.GetQueuedTransfersResponse{TransferList: short}, nil
	case *cwmp.CancelTransfer:
		if h.OnCancelTransfer == nil {
			break
		}
		if f := h.OnCancelTransfer(r.CommandKey); f != nil {
			return nil, f
		}
		return &cwmp.CancelTransferResponse{}, nil
	case *cwmp.ChangeDUState:
		if h.OnChangeDUState == nil {
			break
		}
		if err := h.OnChangeDUState(r); err != nil {
			return nil, asFault(err)
		}
		return &cwmp.ChangeDUStateResponse{}, nil
	case *cwmp.GetOptions:
		if h.Options == nil {
			break
		}
		list, err := h.Options.GetOptions(r.OptionName)
		if err != nil {
			return nil, asFault(err)
		}
		return &cwmp.GetOptionsResponse{OptionList: list}, nil
	case *cwmp.SetVouchers:
		if h.Options == nil {
			break
		}
		if err := h.Options.SetVouchers(r.VoucherList); err != nil {
			return nil, asFault(err)
		}
		return &cwmp.SetVouchersResponse{}, nil
	case *cwmp.ScheduleInform:
		if r.DelaySeconds == 0 {
			return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "DelaySeconds must be greater than zero")
		}
		if h.OnScheduleInform != nil {
			h.OnScheduleInform(r.DelaySeconds, r.CommandKey)
		}
		return &cwmp.ScheduleInformResponse{}, nil
	}
	return nil, cwmp.NewFault(cwmp.FaultMethodNotSupported, "")
}

func checkTransferURL(u string) *cwmp.Fault {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return cwmp.NewFault(cwmp.FaultUnsupportedTransferProtocol, "only http and https are supported")
	}
	return nil
}

func asFault(err error) *cwmp.Fault {
	var f *cwmp.Fault
	if errors.As(err, &f) {
		return f
	}
	return cwmp.NewFault(cwmp.FaultInternalError, err.Error())
}

func faultf(code cwmp.FaultCode, format string, args ...any) *cwmp.Fault {
	return cwmp.NewFault(code, truncate(fmt.Sprintf(format, args...), 256))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// resolved is a path of a request checked against the schema.
type resolved struct {
	path  string       // instance path as requested
	spath string       // schema path ("{i}" for instances; tables end "{i}.")
	entry *model.Entry // nil for a table path without instance
	table bool         // a table path without instance ("Device.WiFi.SSID.")
}

// resolve checks that path names something the device has: a parameter,
// an existing object instance, or a table. "" is the root object.
func (h *Handler) resolve(path string) (resolved, *cwmp.Fault) {
	ix := indexOf(h.Schema)
	if path == "" {
		path = ix.root
	}
	path, f := h.numbers(path)
	if f != nil {
		return resolved{}, f
	}
	bad := func() (resolved, *cwmp.Fault) {
		return resolved{}, faultf(cwmp.FaultInvalidParameterName, "invalid parameter name %s", path)
	}
	sp, ok := model.SchemaPath(path)
	if !ok {
		return bad()
	}
	e, ok := h.Schema.Lookup(sp)
	r := resolved{path: path, spath: sp, entry: e}
	if !ok {
		if !strings.HasSuffix(sp, ".") {
			return bad()
		}
		te, ok := h.Schema.Lookup(sp + "{i}.")
		if !ok || !te.IsTable() {
			return bad()
		}
		r.entry, r.table, r.spath = te, true, sp+"{i}."
	}
	if r.entry.Object != strings.HasSuffix(path, ".") {
		return bad()
	}
	if r.entry.Object {
		if !h.exists(path) {
			return bad()
		}
		return r, nil
	}
	if _, ok := h.get(path); !ok {
		return bad()
	}
	return r, nil
}

// exists reports whether every instance named in an object path exists.
func (h *Handler) exists(path string) bool {
	if m, ok := h.Store.(interface{ Exists(string) bool }); ok {
		return m.Exists(path)
	}
	return eachInstance(path, func(table string, inst uint32) bool {
		for _, i := range h.Store.Instances(table) {
			if i == inst {
				return true
			}
		}
		return false
	})
}

func (h *Handler) wireType(path string, e *model.Entry) model.BaseType {
	if o, ok := h.Store.(TypeOverrider); ok {
		if t, ok := o.Type(path); ok {
			return t
		}
	}
	return e.Syntax.WireType()
}

func (h *Handler) access(path string, e *model.Entry) model.Access {
	if o, ok := h.Store.(AccessOverrider); ok {
		if a, ok := o.Access(path); ok {
			return a
		}
	}
	return e.Access
}

// walk calls fn for every object and parameter under object r (r
// included), depth first in schema order. With nextLevel, only r's
// immediate children are visited.
func (h *Handler) walk(r resolved, nextLevel bool, fn func(path string, e *model.Entry, table bool)) {
	var visit func(obj, sobj string, depth int)
	visitTable := func(table string, te *model.Entry, depth int) {
		if depth > 0 || !nextLevel {
			fn(table, te, true)
		}
		if nextLevel && depth > 0 {
			return
		}
		for _, i := range h.Store.Instances(table) {
			inst := fmt.Sprintf("%s%d.", table, i)
			if nextLevel {
				fn(inst, te, false)
				continue
			}
			visit(inst, te.Path, depth+1)
		}
	}
	visit = func(obj, sobj string, depth int) {
		if depth > 0 || !nextLevel {
			fn(obj, h.entry(sobj), false)
		}
		if nextLevel && depth > 0 {
			return
		}
		for _, c := range h.Schema.Children(sobj) {
			name := strings.TrimPrefix(c.Path, sobj)
			switch {
			case !c.Object:
				if _, ok := h.get(obj + name); ok {
					if !nextLevel || depth == 0 {
						fn(obj+name, c, false)
					}
				}
			case c.IsTable():
				if t := obj + strings.TrimSuffix(name, "{i}."); h.hasObject(t) {
					visitTable(t, c, depth+1)
				}
			default:
				if h.hasObject(obj + name) {
					visit(obj+name, c.Path, depth+1)
				}
			}
		}
	}
	if r.table {
		visitTable(r.path, r.entry, 0)
		return
	}
	visit(r.path, r.spath, 0)
}

func (h *Handler) entry(spath string) *model.Entry {
	e, _ := h.Schema.Lookup(spath)
	return e
}

func (h *Handler) getParameterNames(r *cwmp.GetParameterNames) (cwmp.Message, *cwmp.Fault) {
	res, f := h.resolve(r.ParameterPath)
	if f != nil {
		return nil, f
	}
	resp := &cwmp.GetParameterNamesResponse{}
	if !res.entry.Object {
		if r.NextLevel {
			return nil, faultf(cwmp.FaultInvalidArguments, "NextLevel true with a parameter name")
		}
		resp.ParameterList = []cwmp.ParameterInfoStruct{{Name: h.present(res.path), Writable: h.access(res.path, res.entry).Writable()}}
		return resp, nil
	}
	if r.ParameterPath == "" && r.NextLevel {
		// The root object only (TR-069 A.3.2.3).
		resp.ParameterList = []cwmp.ParameterInfoStruct{{Name: res.path}}
		return resp, nil
	}
	h.walk(res, r.NextLevel, func(path string, e *model.Entry, _ bool) {
		w := false
		switch {
		case !e.Object:
			w = h.access(path, e).Writable()
		case e.IsTable():
			// A table is writable when the ACS may add instances, an
			// instance when it may delete it.
			w = e.Access == model.ReadWrite
		}
		if ow, ok := h.Store.(ObjectWritability); ok && e.Object {
			if reported, ok := ow.ObjectWritable(path); ok {
				w = reported // as the device reported it (dumpprofile.go)
			}
		}
		resp.ParameterList = append(resp.ParameterList, cwmp.ParameterInfoStruct{Name: h.present(path), Writable: w})
	})
	return resp, nil
}

// value returns the wire value and xsi:type of a parameter the device has.
func (h *Handler) value(path string, e *model.Entry) cwmp.ParameterValueStruct {
	v, _ := h.get(path)
	if rt, ok := h.Store.(ReportedTyper); ok {
		if t, ok := rt.ReportedType(path); ok {
			// As the device reported it (dumpprofile.go).
			return cwmp.ParameterValueStruct{Name: h.present(path), Value: v, Type: wireTypeName(t, v)}
		}
	}
	t := h.wireType(path, e)
	if e.Syntax.Hidden {
		v = ""
	}
	name := h.present(path)
	if model.CheckType(t, v) != nil {
		// What the device really has does not fit the model's type.
		return cwmp.ParameterValueStruct{Name: name, Value: v, Type: "xsd:string"}
	}
	return cwmp.ParameterValueStruct{Name: name, Value: v, Type: xsdType(t)}
}

func (h *Handler) getParameterValues(r *cwmp.GetParameterValues) (cwmp.Message, *cwmp.Fault) {
	resp := &cwmp.GetParameterValuesResponse{}
	for _, name := range r.ParameterNames {
		res, f := h.resolve(name)
		if f != nil {
			return nil, f
		}
		if !res.entry.Object {
			resp.ParameterList = append(resp.ParameterList, h.value(res.path, res.entry))
			continue
		}
		h.walk(res, false, func(path string, e *model.Entry, _ bool) {
			if !e.Object {
				resp.ParameterList = append(resp.ParameterList, h.value(path, e))
			}
		})
	}
	return resp, nil
}

// checkSet checks one value of a SetParameterValues: 9005 unknown path,
// 9008 not writable, 9006 wrong type, 9007 invalid value.
// name is p.Name with instance numbers for aliases.
func (h *Handler) checkSet(name string, p cwmp.ParameterValueStruct) *cwmp.Fault {
	e, ok := h.Schema.Lookup(name)
	if !ok || e.Object || strings.HasSuffix(name, ".") {
		return faultf(cwmp.FaultInvalidParameterName, "invalid parameter name")
	}
	cur, ok := h.get(name)
	if !ok {
		return faultf(cwmp.FaultInvalidParameterName, "the device has no such parameter")
	}
	switch h.access(name, e) {
	case model.ReadWrite:
	case model.WriteOnceReadOnly:
		if cur != indexOf(h.Schema).defaultValue(e) {
			return faultf(cwmp.FaultNonWritableParameter, "writeOnceReadOnly parameter already set")
		}
	default:
		return faultf(cwmp.FaultNonWritableParameter, "read-only parameter")
	}
	wire := h.wireType(name, e)
	if p.Type != "" {
		t, ok := parseXSDType(p.Type)
		if !ok || t != wire {
			return faultf(cwmp.FaultInvalidParameterType, "expected %s, got %s", xsdType(wire), p.Type)
		}
	}
	if err := model.CheckValue(e.Syntax, p.Value); err != nil {
		return faultf(cwmp.FaultInvalidParameterValue, "%s", err.Msg)
	}
	if strings.HasSuffix(e.Path, ".{i}."+aliasParam) && h.aliasAddressing() {
		inst := strings.TrimSuffix(name, aliasParam)
		table := model.ParentPath(inst)
		n, _ := strconv.ParseUint(strings.TrimSuffix(inst[len(table):], "."), 10, 32)
		if f := h.checkAlias(table, p.Value, uint32(n)); f != nil {
			return f
		}
	}
	return nil
}

// setPath is the path of a SetParameterValues entry with instance numbers
// for aliases. With AutoCreateInstances it creates the instances of
// unknown aliases, and adds their paths to created.
func (h *Handler) setPath(path string, created *[]string) (string, *cwmp.Fault) {
	for range 16 { // a path names at most a few levels of instances
		out, missing, f := h.toNumbers(path)
		if f != nil || missing == nil {
			return out, f
		}
		if !h.autoCreate() {
			return "", faultf(cwmp.FaultInvalidParameterName, "no instance with alias %q in %s (AutoCreateInstances is false)", missing.alias, missing.table)
		}
		n, f := h.createInstance(missing.table, missing.alias)
		if f != nil {
			return "", f
		}
		*created = append(*created, missing.table+strconv.FormatUint(uint64(n), 10)+".")
	}
	return "", faultf(cwmp.FaultInvalidParameterName, "invalid parameter name %s", path)
}

func (h *Handler) setParameterValues(r *cwmp.SetParameterValues) (cwmp.Message, *cwmp.Fault) {
	var faults []cwmp.SetParameterValuesFault
	seen := make(map[string]bool, len(r.ParameterList))
	values := make([]model.ParameterValue, 0, len(r.ParameterList)+1)
	// Instances auto-created for unknown aliases: removed again when the
	// request fails, since SetParameterValues is all or nothing.
	var created []string
	undo := func() {
		for i := len(created) - 1; i >= 0; i-- {
			_ = h.Store.DeleteInstance(created[i])
		}
	}
	for _, p := range r.ParameterList {
		name, f := h.setPath(p.Name, &created)
		if f == nil && seen[name] {
			undo()
			return nil, faultf(cwmp.FaultInvalidArguments, "%s appears twice", p.Name)
		}
		seen[name] = true
		if f == nil {
			f = h.checkSet(name, p)
		}
		if f != nil {
			faults = append(faults, cwmp.SetParameterValuesFault{ParameterName: p.Name, FaultCode: f.Code, FaultString: f.String})
			continue
		}
		e, _ := h.Schema.Lookup(name)
		values = append(values, model.ParameterValue{Name: name, Value: p.Value, Type: e.Syntax.WireType()})
	}
	if len(faults) > 0 {
		undo()
		f := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
		f.SetParameterValuesFaults = faults
		return nil, f
	}
	if err := h.Store.Set(values); err != nil {
		undo()
		return nil, asFault(err)
	}
	h.setParameterKey(r.ParameterKey)
	return &cwmp.SetParameterValuesResponse{Status: cwmp.StatusApplied}, nil
}

// parameterKeyPath is the path of ManagementServer.ParameterKey, "" if the
// model has none.
func (h *Handler) parameterKeyPath() string {
	p := indexOf(h.Schema).root + "ManagementServer.ParameterKey"
	if _, ok := h.Schema.Lookup(p); ok {
		return p
	}
	return ""
}

func (h *Handler) setParameterKey(key string) {
	if ps, ok := h.Store.(ParameterKeySetter); ok {
		if ps.SetParameterKey(key) == nil {
			return
		}
	}
	if k := h.parameterKeyPath(); k != "" {
		h.SetOwned(k, key)
	}
}

// defaultNotification is a parameter's notification before any
// SetParameterAttributes.
func defaultNotification(e *model.Entry) int {
	switch e.ActiveNotify {
	case model.NotifyForceEnabled, model.NotifyForceDefaultEnabled:
		return 2
	}
	return 0
}

// attributes is where the parameters' attributes live: the Store, when it
// keeps them, else the handler's memory.
func (h *Handler) attributes() AttributeStore {
	if s, ok := h.Store.(AttributeStore); ok {
		return s
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ownAttrs == nil {
		h.ownAttrs = &attrMap{}
	}
	return h.ownAttrs
}

// attributesOf returns the attributes of the parameter at path.
func (h *Handler) attributesOf(path string, e *model.Entry) Attributes {
	if a, ok := h.attributes().Attributes(path); ok {
		return a
	}
	return Attributes{Notification: defaultNotification(e)}
}

// Notification returns the notification attribute of the parameter at path.
func (h *Handler) Notification(path string, e *model.Entry) int {
	return h.attributesOf(path, e).Notification
}

// Notifying returns the parameters with notification on (passive or
// active) among those the device has, with their level.
func (h *Handler) Notifying() map[string]int {
	out := map[string]int{}
	for _, p := range indexOf(h.Schema).notifying {
		out[p] = 2
	}
	h.attributes().RangeAttributes(func(p string, a Attributes) {
		if a.Notification == 0 {
			delete(out, p)
		} else {
			out[p] = a.Notification
		}
	})
	return out
}

func (h *Handler) getParameterAttributes(r *cwmp.GetParameterAttributes) (cwmp.Message, *cwmp.Fault) {
	resp := &cwmp.GetParameterAttributesResponse{}
	add := func(path string, e *model.Entry) {
		a := h.attributesOf(path, e)
		resp.ParameterList = append(resp.ParameterList, cwmp.ParameterAttributeStruct{Name: h.present(path), Notification: a.Notification, AccessList: append([]string{}, a.AccessList...)})
	}
	for _, name := range r.ParameterNames {
		res, f := h.resolve(name)
		if f != nil {
			return nil, f
		}
		if !res.entry.Object {
			add(res.path, res.entry)
			continue
		}
		h.walk(res, false, func(path string, e *model.Entry, _ bool) {
			if !e.Object {
				add(path, e)
			}
		})
	}
	return resp, nil
}

func (h *Handler) setParameterAttributes(r *cwmp.SetParameterAttributes) (cwmp.Message, *cwmp.Fault) {
	type change struct {
		path string
		e    *model.Entry
		s    *cwmp.SetParameterAttributesStruct
	}
	var changes []change
	for i := range r.ParameterList {
		s := &r.ParameterList[i]
		res, f := h.resolve(s.Name)
		if f != nil {
			return nil, f
		}
		var targets []change
		if !res.entry.Object {
			targets = append(targets, change{res.path, res.entry, s})
		} else {
			h.walk(res, false, func(path string, e *model.Entry, _ bool) {
				if !e.Object {
					targets = append(targets, change{path, e, s})
				}
			})
		}
		for _, t := range targets {
			if s.NotificationChange {
				var why string
				switch {
				case t.e.ActiveNotify == model.NotifyForceEnabled && s.Notification != 2:
					why = "active notification is forced"
				case t.e.ActiveNotify == model.NotifyCanDeny && s.Notification == 2:
					why = "active notification denied"
				}
				if why != "" {
					if !res.entry.Object {
						return nil, faultf(cwmp.FaultNotificationRequestRejected, "%s: %s", t.path, why)
					}
					// A partial path changes the parameters that accept it.
					continue
				}
			}
			changes = append(changes, t)
		}
	}
	// Later entries of the request win over earlier ones for one path.
	next := make(map[string]*Attributes, len(changes))
	for _, c := range changes {
		a, ok := next[c.path]
		if !ok {
			cur := h.attributesOf(c.path, c.e)
			a = &cur
		}
		if c.s.NotificationChange {
			a.Notification = c.s.Notification
		}
		if c.s.AccessListChange {
			a.AccessList = append([]string(nil), c.s.AccessList...)
		}
		next[c.path] = a
	}
	for _, c := range changes {
		if a := next[c.path]; a != nil && a.Notification == defaultNotification(c.e) && len(a.AccessList) == 0 {
			next[c.path] = nil // back to the defaults: nothing to keep
		}
	}
	if err := h.attributes().SetAttributes(next); err != nil {
		return nil, asFault(err)
	}
	return &cwmp.SetParameterAttributesResponse{}, nil
}

// ResetAttributes drops every attribute set by the ACS (factory reset).
func (h *Handler) ResetAttributes() {
	h.attributes().ResetAttributes("")
}

func (h *Handler) addObject(r *cwmp.AddObject) (cwmp.Message, *cwmp.Fault) {
	name := r.ObjectName
	alias := ""
	if i := strings.LastIndexByte(strings.TrimSuffix(name, "."), '.') + 1; strings.HasSuffix(name, "].") && name[i] == '[' {
		// "Table.[alias].": create the instance with that alias.
		if !h.aliasAddressing() {
			return nil, faultf(cwmp.FaultInvalidParameterName, "%s: the device does not support Alias-Based Addressing", name)
		}
		name, alias = name[:i], name[i+1:len(name)-2]
		if alias == "" {
			return nil, faultf(cwmp.FaultInvalidParameterName, "%s: empty instance alias", r.ObjectName)
		}
	}
	name, f := h.numbers(name)
	if f != nil {
		return nil, f
	}
	sp, ok := model.SchemaPath(name)
	if !ok || !strings.HasSuffix(name, ".") || isInstancePath(name) {
		return nil, faultf(cwmp.FaultInvalidParameterName, "%s is not a table", name)
	}
	e, ok := h.Schema.Lookup(sp + "{i}.")
	if !ok || !e.IsTable() || !h.exists(name) {
		return nil, faultf(cwmp.FaultInvalidParameterName, "%s is not a table", name)
	}
	if alias != "" && !h.hasAlias(name) {
		return nil, faultf(cwmp.FaultInvalidParameterName, "%s has no Alias parameter", name)
	}
	n, f := h.createInstance(name, alias)
	if f != nil {
		return nil, f
	}
	h.setParameterKey(r.ParameterKey)
	return &cwmp.AddObjectResponse{InstanceNumber: n, Status: cwmp.StatusApplied}, nil
}

func (h *Handler) deleteObject(r *cwmp.DeleteObject) (cwmp.Message, *cwmp.Fault) {
	name, f := h.numbers(r.ObjectName)
	if f != nil {
		return nil, f
	}
	sp, ok := model.SchemaPath(name)
	if !ok || !strings.HasSuffix(name, ".") || !isInstancePath(name) {
		return nil, faultf(cwmp.FaultInvalidParameterName, "%s is not a table instance", name)
	}
	e, ok := h.Schema.Lookup(sp)
	if !ok || !e.IsTable() || !h.exists(name) {
		return nil, faultf(cwmp.FaultInvalidParameterName, "no such instance %s", name)
	}
	if e.Access != model.ReadWrite {
		return nil, faultf(cwmp.FaultRequestDenied, "%s does not allow DeleteObject", name)
	}
	if err := h.Store.DeleteInstance(name); err != nil {
		return nil, asFault(err)
	}
	h.attributes().ResetAttributes(name)
	h.setParameterKey(r.ParameterKey)
	return &cwmp.DeleteObjectResponse{Status: cwmp.StatusApplied}, nil
}
