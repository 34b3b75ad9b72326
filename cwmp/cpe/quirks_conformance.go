package cpe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/cwmp"
)

// Breaks are switches that each break one thing the ACS's conformance
// suite (acsref/conformance) checks, so that every case is shown to fail
// against a CPE that departs from TR-069 in just that way. The zero value
// conforms.
type Breaks struct {
	// CRAsPeriodic: a connection request's session informs 2 PERIODIC
	// instead of 6 CONNECTION REQUEST.
	CRAsPeriodic bool
	// RebootWithoutBoot: after a Reboot the device informs M Reboot
	// without 1 BOOT.
	RebootWithoutBoot bool
	// NoTransferComplete: transfers run, and the device never reports
	// them (no TransferComplete, no 7 TRANSFER COMPLETE).
	NoTransferComplete bool
	// IgnoreScheduleInform: ScheduleInform is accepted and forgotten.
	IgnoreScheduleInform bool
	// PeriodicSlow: periodic Informs come at twice the interval.
	PeriodicSlow bool
	// GPNNextLevelAll: GetParameterNames with NextLevel true is answered
	// as with NextLevel false (the whole subtree).
	GPNNextLevelAll bool
	// InformOmit, when set, leaves parameters out of every Inform: those
	// whose path, relative to the root object, starts with it.
	InformOmit string
	// FaultFrom, when set, is answered as FaultTo instead (the RPC's
	// fault code, or a SetParameterValuesFault's).
	FaultFrom, FaultTo cwmp.FaultCode
	// Refuse, when set, is a method answered with 9000 Method not
	// supported while GetRPCMethods still lists it.
	Refuse string
	// Hide, when set, is a path (absolute; an object with what is under
	// it) left out of GetParameterNames and GetParameterValues answers.
	Hide string
	// ValuePath, when set, is a parameter GetParameterValues reports
	// with Value instead of its own value.
	ValuePath, Value string
	// NoDiagnosticsComplete: diagnostics run, and no 8 DIAGNOSTICS
	// COMPLETE tells the ACS.
	NoDiagnosticsComplete bool
	// IDMismatch: answers carry another cwmp:ID header than the request.
	IDMismatch bool
	// The HTTP and TLS breaks (quirks_http.go).
	HTTPBreaks
}

// Each switch with a value holds one (Quirks stay comparable).

// BreakNames lists the Breaks switches ParseQuirks accepts.
const BreakNames = "cr-as-periodic, reboot-no-boot, no-transfer-complete, ignore-schedule-inform, periodic-slow, gpn-next-level-all, no-diagnostics-complete, id-mismatch, " +
	"inform-omit=REL-PATH, fault-code=FROM:TO, refuse=METHOD, hide=PATH, value=PATH:VALUE"

// parse reads one Breaks switch; false if name is none of them.
func (b *Breaks) parse(name, val string, hasVal bool) (bool, error) {
	flag := map[string]*bool{"cr-as-periodic": &b.CRAsPeriodic, "reboot-no-boot": &b.RebootWithoutBoot,
		"no-transfer-complete": &b.NoTransferComplete, "ignore-schedule-inform": &b.IgnoreScheduleInform,
		"periodic-slow": &b.PeriodicSlow, "gpn-next-level-all": &b.GPNNextLevelAll, "no-diagnostics-complete": &b.NoDiagnosticsComplete, "id-mismatch": &b.IDMismatch,
		"no-tls": &b.NoTLS, "tls-skip-verify": &b.TLSSkipVerify, "no-url-bootstrap": &b.NoURLBootstrap, "no-auth": &b.NoAuth,
		"auth-loop": &b.AuthLoop, "no-redirect": &b.NoRedirect}
	if p, ok := flag[name]; ok && !hasVal {
		*p = true
		return true, nil
	}
	if !hasVal || val == "" {
		return false, nil
	}
	switch name {
	case "inform-omit":
		b.InformOmit = val
	case "refuse":
		b.Refuse = val
	case "hide":
		b.Hide = val
	case "value":
		path, v, ok := strings.Cut(val, ":")
		if !ok || path == "" {
			return false, fmt.Errorf("quirk value=%s: want value=PATH:VALUE", val)
		}
		b.ValuePath, b.Value = path, v
	case "fault-code":
		from, to, ok := strings.Cut(val, ":")
		f, err1 := strconv.ParseUint(from, 10, 16)
		t, err2 := strconv.ParseUint(to, 10, 16)
		if !ok || err1 != nil || err2 != nil {
			return false, fmt.Errorf("quirk fault-code=%s: want fault-code=FROM:TO (two fault codes)", val)
		}
		b.FaultFrom, b.FaultTo = cwmp.FaultCode(f), cwmp.FaultCode(t)
	default:
		return false, nil
	}
	return true, nil
}

// before answers a request the device refuses though it lists it.
func (b *Breaks) before(req cwmp.Message) *cwmp.Fault {
	if b.Refuse != "" && b.Refuse == req.MethodName() {
		return cwmp.NewFault(cwmp.FaultMethodNotSupported, "")
	}
	return nil
}

// rewrite changes a request as the breaking device misreads it.
func (b *Breaks) rewrite(req cwmp.Message) cwmp.Message {
	if gpn, ok := req.(*cwmp.GetParameterNames); ok && b.GPNNextLevelAll && gpn.NextLevel {
		c := *gpn
		c.NextLevel = false
		return &c
	}
	return req
}

func (b *Breaks) hidden(name string) bool {
	h := b.Hide
	return h != "" && (name == h || strings.HasSuffix(h, ".") && strings.HasPrefix(name, h))
}

// after rewrites an answer as the breaking device sends it.
func (b *Breaks) after(resp cwmp.Message, f *cwmp.Fault) (cwmp.Message, *cwmp.Fault) {
	if f != nil && b.FaultFrom != 0 {
		c := *f
		if c.Code == b.FaultFrom {
			c.Code = b.FaultTo
		}
		c.SetParameterValuesFaults = slices.Clone(f.SetParameterValuesFaults)
		for i := range c.SetParameterValuesFaults {
			if c.SetParameterValuesFaults[i].FaultCode == b.FaultFrom {
				c.SetParameterValuesFaults[i].FaultCode = b.FaultTo
			}
		}
		f = &c
	}
	switch r := resp.(type) {
	case *cwmp.GetParameterNamesResponse:
		if b.Hide != "" {
			r.ParameterList = slices.DeleteFunc(r.ParameterList, func(p cwmp.ParameterInfoStruct) bool { return b.hidden(p.Name) })
		}
	case *cwmp.GetParameterValuesResponse:
		if b.Hide != "" {
			r.ParameterList = slices.DeleteFunc(r.ParameterList, func(p cwmp.ParameterValueStruct) bool { return b.hidden(p.Name) })
		}
		for i := range r.ParameterList {
			if b.ValuePath != "" && r.ParameterList[i].Name == b.ValuePath {
				r.ParameterList[i].Value = b.Value
			}
		}
	}
	return resp, f
}

// informParams leaves out of an Inform the parameters InformOmit names.
func (b *Breaks) informParams(root string, list []cwmp.ParameterValueStruct) []cwmp.ParameterValueStruct {
	if b.InformOmit == "" {
		return list
	}
	return slices.DeleteFunc(list, func(p cwmp.ParameterValueStruct) bool {
		return strings.HasPrefix(strings.TrimPrefix(p.Name, root), b.InformOmit)
	})
}

// crEvent is the event a connection request queues.
func (b *Breaks) crEvent() string {
	if b.CRAsPeriodic {
		return cwmp.EventPeriodic
	}
	return cwmp.EventConnectionRequest
}

// rebootEvents are the events the session after a Reboot carries.
func (b *Breaks) rebootEvents(key string) []cwmp.EventStruct {
	if b.RebootWithoutBoot {
		return []cwmp.EventStruct{{EventCode: cwmp.EventMReboot, CommandKey: key}}
	}
	return []cwmp.EventStruct{{EventCode: cwmp.EventBoot}, {EventCode: cwmp.EventMReboot, CommandKey: key}}
}

// periodic is the time between periodic Informs for interval.
func (b *Breaks) periodic(interval time.Duration) time.Duration {
	if b.PeriodicSlow {
		return 2 * interval
	}
	return interval
}

// replyID gives an answer another cwmp:ID than its request's.
func (b *Breaks) replyID(env *cwmp.Envelope) {
	if b.IDMismatch && env != nil {
		env.Header.ID = "x-" + env.Header.ID
	}
}
