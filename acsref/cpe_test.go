package acsref_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
)

// testCPE is a scripted CPE for the tests: it holds its parameters in a
// map, opens sessions with Inform, then answers the ACS's RPCs, checking
// the values it is given against the generated TR-181 schema as a real
// device would.
type testCPE struct {
	URL       string
	RT        http.RoundTripper
	OUI, PC   string
	SN        string
	Namespace cwmp.Namespace

	mu       sync.Mutex
	params   map[string]*cpeParam
	objects  map[string]bool
	next     map[string]uint32
	events   []cwmp.EventStruct // for the next Inform
	transfer []*cwmp.TransferComplete
	informed []string // parameters sent in every Inform
	// Calls lists the RPC names received, in order.
	Calls []string
	// Fetched holds what Download fetched.
	Fetched []byte
}

type cpeParam struct {
	value, typ string
	writable   bool
}

func newTestCPE(acsURL, sn string) *testCPE {
	c := &testCPE{URL: acsURL, OUI: "00D09E", PC: "Lab Box", SN: sn, params: map[string]*cpeParam{}, objects: map[string]bool{}, next: map[string]uint32{}}
	c.events = []cwmp.EventStruct{{EventCode: cwmp.EventBootstrap}, {EventCode: cwmp.EventBoot}}
	// A conforming device: every current 2.0 parameter of DeviceInfo and
	// ManagementServer, with values valid for the standard.
	for _, obj := range []string{"Device.", "Device.DeviceInfo.", "Device.ManagementServer.", "Device.IP."} {
		c.objects[obj] = true
		for _, e := range tr181.Schema.Children(obj) {
			if e.Object || e.Status.OrCurrent() != model.Current || e.Version != "2.0" {
				continue
			}
			v, _ := synth(e.Syntax) // the few that fail are set below
			c.params[e.Path] = &cpeParam{value: v, typ: "xsd:" + string(e.Syntax.WireType()), writable: e.Access.Writable()}
		}
	}
	c.set("Device.RootDataModelVersion", "2.0")
	c.set("Device.DeviceInfo.Manufacturer", "dmforge")
	c.set("Device.DeviceInfo.ManufacturerOUI", "00D09E")
	c.set("Device.DeviceInfo.ProductClass", "Lab Box")
	c.set("Device.DeviceInfo.SerialNumber", sn)
	c.set("Device.DeviceInfo.SoftwareVersion", "1.0.0")
	c.set("Device.DeviceInfo.HardwareVersion", "A")
	c.set("Device.ManagementServer.PeriodicInformInterval", "3600")
	c.params["Device.DeviceInfo.X_00D09E_Secret"] = &cpeParam{value: "vendor", typ: "xsd:string", writable: true}
	for n, p := range c.params {
		if err := tr181.Schema.CheckValue(n, p.value); err != nil && !strings.Contains(n, ".X_") {
			panic("test CPE value: " + err.Error())
		}
	}
	c.informed = []string{"Device.RootDataModelVersion", "Device.DeviceInfo.HardwareVersion", "Device.DeviceInfo.SoftwareVersion",
		"Device.DeviceInfo.ProvisioningCode", "Device.ManagementServer.ConnectionRequestURL", "Device.ManagementServer.ParameterKey"}
	return c
}

// synth finds a value the syntax accepts.
func synth(s *model.Syntax) (string, bool) {
	var cands []string
	if s.Default != nil {
		cands = append(cands, s.Default.Value)
	}
	cands = append(cands, s.EnumValues()...)
	for _, r := range s.Ranges {
		cands = append(cands, r.Min, r.Max)
	}
	cands = append(cands, "", "0", "1", "false", "0001-01-01T00:00:00Z", "x", "00")
	for _, v := range cands {
		if model.CheckValue(s, v) == nil {
			return v, true
		}
	}
	return "", false
}

func (c *testCPE) set(name, value string) {
	e, ok := tr181.Schema.Lookup(name)
	p := c.params[name]
	if p == nil {
		p = &cpeParam{typ: "xsd:string"}
		if ok {
			p.typ, p.writable = "xsd:"+string(e.Syntax.WireType()), e.Access.Writable()
		}
		c.params[name] = p
	}
	p.value = value
}

// Set sets a parameter as the device holds it (type and writable flag
// may lie about the standard).
func (c *testCPE) Set(name, value, typ string, writable bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.params[name] = &cpeParam{value: value, typ: typ, writable: writable}
}

// Unset removes a parameter from the device (a firmware without it).
func (c *testCPE) Unset(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.params, name)
}

func (c *testCPE) Get(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.params[name]
	if !ok {
		return "", false
	}
	return p.value, true
}

// Session runs one CWMP session: Inform (with the pending events), the
// pending TransferComplete, then the ACS's RPCs until it sends 204.
func (c *testCPE) Session(ctx context.Context, extra ...cwmp.EventStruct) error {
	c.mu.Lock()
	events := append(c.events, extra...)
	if len(events) == 0 {
		events = []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}
	}
	inf := &cwmp.Inform{DeviceID: cwmp.DeviceIDStruct{Manufacturer: "dmforge", OUI: c.OUI, ProductClass: c.PC, SerialNumber: c.SN},
		Event: events, MaxEnvelopes: 1, CurrentTime: time.Now()}
	for _, n := range c.informed {
		if p, ok := c.params[n]; ok {
			inf.ParameterList = append(inf.ParameterList, cwmp.ParameterValueStruct{Name: n, Value: p.value, Type: p.typ})
		}
	}
	transfer := c.transfer
	c.mu.Unlock()

	sc := cwmp.NewSessionClient(c.URL, c.RT)
	defer sc.End()
	reply, err := sc.Post(ctx, &cwmp.Envelope{Namespace: c.Namespace, Header: cwmp.Header{ID: "inform-1"}, Body: inf})
	if err != nil {
		return fmt.Errorf("inform: %w", err)
	}
	if _, ok := reply.Body.(*cwmp.InformResponse); !ok {
		return fmt.Errorf("inform answered with %v", reply.Body)
	}
	c.mu.Lock()
	c.events = nil
	c.mu.Unlock()
	for _, tc := range transfer {
		reply, err = sc.Post(ctx, &cwmp.Envelope{Namespace: c.Namespace, Header: cwmp.Header{ID: "tc-" + tc.CommandKey}, Body: tc})
		if err != nil {
			return fmt.Errorf("transfer complete: %w", err)
		}
		if _, ok := reply.Body.(*cwmp.TransferCompleteResponse); !ok {
			return fmt.Errorf("TransferComplete answered with %v", reply.Body)
		}
	}
	c.mu.Lock()
	c.transfer = c.transfer[len(transfer):]
	c.mu.Unlock()
	req, err := sc.Post(ctx, &cwmp.Envelope{})
	for n := 0; err == nil && !req.IsEmpty(); n++ {
		if n > 1000 {
			return fmt.Errorf("session does not end")
		}
		resp := c.handle(ctx, req.Body)
		req, err = sc.Post(ctx, req.Reply(resp))
	}
	return err
}

func (c *testCPE) objectExists(path string) bool {
	if c.objects[path] {
		return true
	}
	for n := range c.params {
		if strings.HasPrefix(n, path) {
			return true
		}
	}
	return false
}

func (c *testCPE) handle(ctx context.Context, m cwmp.Message) cwmp.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Calls = append(c.Calls, m.MethodName())
	switch m := m.(type) {
	case *cwmp.GetParameterValues:
		resp := &cwmp.GetParameterValuesResponse{ParameterList: []cwmp.ParameterValueStruct{}}
		for _, name := range m.ParameterNames {
			if strings.HasSuffix(name, ".") {
				if !c.objectExists(name) {
					return cwmp.NewFault(cwmp.FaultInvalidParameterName, name)
				}
				for _, n := range c.sortedParams(name) {
					p := c.params[n]
					resp.ParameterList = append(resp.ParameterList, cwmp.ParameterValueStruct{Name: n, Value: p.value, Type: p.typ})
				}
				continue
			}
			p, ok := c.params[name]
			if !ok {
				return cwmp.NewFault(cwmp.FaultInvalidParameterName, name)
			}
			resp.ParameterList = append(resp.ParameterList, cwmp.ParameterValueStruct{Name: name, Value: p.value, Type: p.typ})
		}
		return resp
	case *cwmp.SetParameterValues:
		f := &cwmp.Fault{Code: cwmp.FaultInvalidArguments}
		for _, pv := range m.ParameterList {
			p, ok := c.params[pv.Name]
			switch {
			case !ok:
				f.SetParameterValuesFaults = append(f.SetParameterValuesFaults, cwmp.SetParameterValuesFault{ParameterName: pv.Name, FaultCode: cwmp.FaultInvalidParameterName})
			case !p.writable:
				f.SetParameterValuesFaults = append(f.SetParameterValuesFaults, cwmp.SetParameterValuesFault{ParameterName: pv.Name, FaultCode: cwmp.FaultNonWritableParameter})
			case !strings.Contains(pv.Name, ".X_") && tr181.Schema.CheckValue(pv.Name, pv.Value) != nil:
				f.SetParameterValuesFaults = append(f.SetParameterValuesFaults, cwmp.SetParameterValuesFault{ParameterName: pv.Name, FaultCode: cwmp.FaultInvalidParameterValue})
			}
		}
		if len(f.SetParameterValuesFaults) > 0 {
			return f
		}
		for _, pv := range m.ParameterList {
			c.params[pv.Name].value = pv.Value
		}
		c.params["Device.ManagementServer.ParameterKey"].value = m.ParameterKey
		return &cwmp.SetParameterValuesResponse{Status: cwmp.StatusApplied}
	case *cwmp.GetParameterNames:
		path := m.ParameterPath
		if path == "" {
			path = "Device."
		}
		if !c.objectExists(path) {
			if p, ok := c.params[path]; ok {
				return &cwmp.GetParameterNamesResponse{ParameterList: []cwmp.ParameterInfoStruct{{Name: path, Writable: p.writable}}}
			}
			return cwmp.NewFault(cwmp.FaultInvalidParameterName, path)
		}
		names := map[string]bool{}
		for n := range c.params {
			if strings.HasPrefix(n, path) {
				names[n] = true
			}
		}
		for o := range c.objects {
			if strings.HasPrefix(o, path) {
				names[o] = true
			}
		}
		// Every object containing a parameter exists.
		for n := range names {
			for i := len(path); i < len(n)-1; i++ {
				if n[i] == '.' {
					names[n[:i+1]] = true
				}
			}
		}
		resp := &cwmp.GetParameterNamesResponse{ParameterList: []cwmp.ParameterInfoStruct{}}
		var sorted []string
		for n := range names {
			rest := strings.TrimSuffix(n[len(path):], ".")
			if m.NextLevel && (rest == "" || strings.Contains(rest, ".")) {
				continue
			}
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		for _, n := range sorted {
			w := false
			if p, ok := c.params[n]; ok {
				w = p.writable
			} else if e, ok := tr181.Schema.Lookup(n); ok {
				w = e.Access.Writable() && e.IsTable()
			}
			resp.ParameterList = append(resp.ParameterList, cwmp.ParameterInfoStruct{Name: n, Writable: w})
		}
		return resp
	case *cwmp.GetParameterAttributes:
		resp := &cwmp.GetParameterAttributesResponse{}
		for _, n := range m.ParameterNames {
			resp.ParameterList = append(resp.ParameterList, cwmp.ParameterAttributeStruct{Name: n, AccessList: []string{}})
		}
		return resp
	case *cwmp.SetParameterAttributes:
		return &cwmp.SetParameterAttributesResponse{}
	case *cwmp.AddObject:
		c.next[m.ObjectName]++
		n := c.next[m.ObjectName]
		obj := m.ObjectName + strconv.Itoa(int(n)) + "."
		c.objects[obj] = true
		c.params[obj+"Enable"] = &cpeParam{value: "false", typ: "xsd:boolean", writable: true}
		return &cwmp.AddObjectResponse{InstanceNumber: n, Status: cwmp.StatusApplied}
	case *cwmp.DeleteObject:
		if !c.objects[m.ObjectName] {
			return cwmp.NewFault(cwmp.FaultInvalidParameterName, m.ObjectName)
		}
		delete(c.objects, m.ObjectName)
		for n := range c.params {
			if strings.HasPrefix(n, m.ObjectName) {
				delete(c.params, n)
			}
		}
		return &cwmp.DeleteObjectResponse{Status: cwmp.StatusApplied}
	case *cwmp.Reboot:
		c.events = append(c.events, cwmp.EventStruct{EventCode: cwmp.EventBoot}, cwmp.EventStruct{EventCode: cwmp.EventMReboot, CommandKey: m.CommandKey})
		return &cwmp.RebootResponse{}
	case *cwmp.FactoryReset:
		c.events = append(c.events, cwmp.EventStruct{EventCode: cwmp.EventBootstrap}, cwmp.EventStruct{EventCode: cwmp.EventBoot})
		return &cwmp.FactoryResetResponse{}
	case *cwmp.ScheduleInform:
		c.events = append(c.events, cwmp.EventStruct{EventCode: cwmp.EventScheduled}, cwmp.EventStruct{EventCode: cwmp.EventMScheduleInform, CommandKey: m.CommandKey})
		return &cwmp.ScheduleInformResponse{}
	case *cwmp.GetRPCMethods:
		return &cwmp.GetRPCMethodsResponse{MethodList: []string{"GetRPCMethods", "GetParameterValues", "SetParameterValues", "GetParameterNames",
			"GetParameterAttributes", "SetParameterAttributes", "AddObject", "DeleteObject", "Reboot", "FactoryReset", "Download", "Upload", "ScheduleInform"}}
	case *cwmp.Download:
		tc := &cwmp.TransferComplete{CommandKey: m.CommandKey, StartTime: time.Now(), CompleteTime: time.Now()}
		data, err := fetch(ctx, m.URL)
		if err != nil {
			tc.FaultStruct = cwmp.FaultStruct{FaultCode: cwmp.FaultTransferContactServer, FaultString: err.Error()}
		}
		c.Fetched = data
		c.transfer = append(c.transfer, tc)
		c.events = append(c.events, cwmp.EventStruct{EventCode: cwmp.EventTransferComplete}, cwmp.EventStruct{EventCode: cwmp.EventMDownload, CommandKey: m.CommandKey})
		return &cwmp.DownloadResponse{Status: cwmp.StatusCommitted}
	case *cwmp.Upload:
		tc := &cwmp.TransferComplete{CommandKey: m.CommandKey, StartTime: time.Now(), CompleteTime: time.Now()}
		if err := put(ctx, m.URL, c.RT, []byte("config of "+c.SN)); err != nil {
			tc.FaultStruct = cwmp.FaultStruct{FaultCode: cwmp.FaultUploadFailure, FaultString: err.Error()}
		}
		c.transfer = append(c.transfer, tc)
		c.events = append(c.events, cwmp.EventStruct{EventCode: cwmp.EventTransferComplete}, cwmp.EventStruct{EventCode: cwmp.EventMUpload, CommandKey: m.CommandKey})
		return &cwmp.UploadResponse{Status: cwmp.StatusCommitted}
	}
	return cwmp.NewFault(cwmp.FaultMethodNotSupported, "")
}

func (c *testCPE) sortedParams(prefix string) []string {
	var out []string
	for n := range c.params {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func put(ctx context.Context, url string, rt http.RoundTripper, data []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("PUT %s: %s", url, resp.Status)
	}
	return nil
}
