package acsref

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// TaskSpec is the body of POST /devices/{id}/tasks: GenieACS's NBI task
// shapes where GenieACS has the RPC, extended for the ones it lacks.
//
//	{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]}
//	{"name":"setParameterValues","parameterValues":[["Device.X", "v", "xsd:string"]]}
//	{"name":"getParameterNames","parameterPath":"Device.","nextLevel":false}
//	{"name":"getParameterAttributes","parameterNames":[...]}
//	{"name":"setParameterAttributes","parameterAttributes":[{"name":..,"notification":2}]}
//	{"name":"addObject","objectName":"Device.IP.Interface."}
//	{"name":"deleteObject","objectName":"Device.IP.Interface.2."}
//	{"name":"refreshObject","objectName":"Device.DeviceInfo."}  (names, then values, of the object)
//	{"name":"reboot"} {"name":"factoryReset"} {"name":"getRPCMethods"}
//	{"name":"download","file":"fw.bin","fileType":"1 Firmware Upgrade Image"}
//	{"name":"upload","fileType":"1 Vendor Configuration File","url":"http://..."}
//	{"name":"scheduleInform","delaySeconds":60}
//	{"name":"scheduleDownload","file":"fw.bin","timeWindows":[{"start":0,"end":3600,"mode":"1 At Any Time"}]}
//	{"name":"cancelTransfer","task":12}   (or "commandKey":"dmf-12")
//	{"name":"getAllQueuedTransfers"}
//	{"name":"changeDUState","operations":[{"type":"install","url":"http://...","executionEnvRef":"Device.SoftwareModules.ExecEnv.1."},
//	                                       {"type":"update","uuid":"..."},{"type":"uninstall","uuid":"..."}]}
type TaskSpec struct {
	Name                string          `json:"name"`
	ParameterNames      []string        `json:"parameterNames,omitempty"`
	ParameterValues     [][]any         `json:"parameterValues,omitempty"`
	ParameterPath       *string         `json:"parameterPath,omitempty"`
	NextLevel           bool            `json:"nextLevel,omitempty"`
	ParameterAttributes []AttributeSpec `json:"parameterAttributes,omitempty"`
	ObjectName          string          `json:"objectName,omitempty"`
	ParameterKey        string          `json:"parameterKey,omitempty"`
	File                string          `json:"file,omitempty"`
	FileName            string          `json:"fileName,omitempty"` // GenieACS alias of file
	FileType            string          `json:"fileType,omitempty"`
	URL                 string          `json:"url,omitempty"`
	Username            string          `json:"username,omitempty"`
	Password            string          `json:"password,omitempty"`
	TargetFileName      string          `json:"targetFileName,omitempty"`
	FileSize            uint32          `json:"fileSize,omitempty"`
	DelaySeconds        uint32          `json:"delaySeconds,omitempty"`
	TimeWindows         []TimeWindow    `json:"timeWindows,omitempty"`
	// Task (or CommandKey) names the Download, Upload or ScheduleDownload
	// task a cancelTransfer cancels.
	Task       int64         `json:"task,omitempty"`
	CommandKey string        `json:"commandKey,omitempty"`
	Operations []DUOperation `json:"operations,omitempty"`
	// ExpectFault makes the task a negative test: it deliberately breaks
	// the model (so the model check is skipped) and the CPE must refuse it
	// with one of these fault codes (for setParameterValues, the code of
	// the parameter's SetParameterValuesFault). The outcome is the task's
	// result, and a CPE that accepts it or answers another code gets a
	// conformance finding.
	ExpectFault []int `json:"expectFault,omitempty"`
	// Probe names the check of a conformance probe the task belongs to,
	// ProbeRun the run (POST /devices/{id}/probe) that made it.
	Probe    string `json:"probe,omitempty"`
	ProbeRun string `json:"probeRun,omitempty"`
}

// transferKey is the CommandKey of the transfer a cancelTransfer cancels.
func (s *TaskSpec) transferKey() string {
	if s.Task != 0 {
		return commandKeyPrefix + strconv.FormatInt(s.Task, 10)
	}
	return s.CommandKey
}

// TimeWindow is one window of a scheduleDownload, in seconds from the
// moment the CPE accepts it.
type TimeWindow struct {
	Start       uint32 `json:"start"`
	End         uint32 `json:"end"`
	Mode        string `json:"mode"` // "1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed"
	UserMessage string `json:"userMessage,omitempty"`
	MaxRetries  *int   `json:"maxRetries,omitempty"` // -1 (the CPE decides) if absent
}

// DUOperation is one operation of a changeDUState: type "install" (url,
// uuid, username, password, executionEnvRef), "update" (uuid, version,
// url, username, password) or "uninstall" (uuid, version,
// executionEnvRef). File, instead of url, names a file the ACS serves.
type DUOperation struct {
	Type            string `json:"type"`
	File            string `json:"file,omitempty"`
	URL             string `json:"url,omitempty"`
	UUID            string `json:"uuid,omitempty"`
	Version         string `json:"version,omitempty"`
	Username        string `json:"username,omitempty"`
	Password        string `json:"password,omitempty"`
	ExecutionEnvRef string `json:"executionEnvRef,omitempty"`
}

// AttributeSpec is one entry of setParameterAttributes.
type AttributeSpec struct {
	Name               string   `json:"name"`
	Notification       *int     `json:"notification,omitempty"`
	AccessList         []string `json:"accessList,omitempty"`
	NotificationChange *bool    `json:"notificationChange,omitempty"`
	AccessListChange   *bool    `json:"accessListChange,omitempty"`
}

// taskNames maps the NBI names (case-insensitive) to the canonical one.
var taskNames = map[string]string{}

func init() {
	for _, n := range []string{"getParameterValues", "setParameterValues", "getParameterNames", "getParameterAttributes",
		"setParameterAttributes", "addObject", "deleteObject", "reboot", "factoryReset", "download", "upload",
		"scheduleInform", "getRPCMethods", "scheduleDownload", "cancelTransfer", "getAllQueuedTransfers", "changeDUState",
		"refreshObject"} {
		taskNames[strings.ToLower(n)] = n
	}
}

// valueString renders a GenieACS parameterValues value (JSON string,
// number or boolean) as wire text.
func valueString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// prepared is a task checked against the model, ready to be sent.
type prepared struct {
	spec TaskSpec
	// set values resolved to their types
	values []cwmp.ParameterValueStruct
}

// prepareTask parses and model-checks a task body. fileURL resolves the
// ACS-served file named by a download (and reports whether it exists).
func prepareTask(raw []byte, b *Binding, fileURL func(name string) (string, uint32, bool)) (*prepared, *RuleError) {
	var spec TaskSpec
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&spec); err != nil {
		return nil, &RuleError{Rule: RuleArgument, Msg: "task body: " + err.Error()}
	}
	canon, ok := taskNames[strings.ToLower(spec.Name)]
	if !ok {
		return nil, &RuleError{Rule: RuleUnknownTask, Msg: fmt.Sprintf("unknown task %q", spec.Name)}
	}
	spec.Name = canon
	p := &prepared{spec: spec}
	if len(spec.ExpectFault) > 0 {
		return prepareNegative(p)
	}
	if len(spec.ParameterKey) > 32 {
		return nil, &RuleError{Rule: RuleArgument, Msg: "parameterKey is longer than 32 characters"}
	}
	switch canon {
	case "getParameterValues", "getParameterAttributes":
		if len(spec.ParameterNames) == 0 {
			return nil, &RuleError{Rule: RuleArgument, Msg: "parameterNames is empty"}
		}
		for _, n := range spec.ParameterNames {
			if e := b.checkName(n); e != nil {
				return nil, e
			}
		}
	case "getParameterNames":
		path := b.Root
		if spec.ParameterPath != nil {
			path = *spec.ParameterPath
		}
		if e := b.checkName(path); e != nil {
			return nil, e
		}
		p.spec.ParameterPath = &path
	case "setParameterValues":
		if len(spec.ParameterValues) == 0 {
			return nil, &RuleError{Rule: RuleArgument, Msg: "parameterValues is empty"}
		}
		seen := map[string]bool{}
		for _, pv := range spec.ParameterValues {
			if len(pv) < 2 || len(pv) > 3 {
				return nil, &RuleError{Rule: RuleArgument, Msg: "each parameterValues entry is [path, value] or [path, value, type]"}
			}
			path, ok1 := pv[0].(string)
			val, ok2 := valueString(pv[1])
			typ := ""
			ok3 := true
			if len(pv) == 3 {
				typ, ok3 = pv[2].(string)
			}
			if !ok1 || !ok2 || !ok3 {
				return nil, &RuleError{Path: path, Rule: RuleArgument, Msg: "malformed parameterValues entry"}
			}
			if seen[path] {
				return nil, &RuleError{Path: path, Rule: RuleArgument, Msg: "set twice in one task"}
			}
			seen[path] = true
			if !strings.HasPrefix(path, b.Root) {
				return nil, &RuleError{Path: path, Rule: RuleUnknownPath, Msg: "outside the device's root " + b.Root}
			}
			wire, e := b.checkSetValue(path, val, typ)
			if e != nil {
				return nil, e
			}
			p.values = append(p.values, cwmp.ParameterValueStruct{Name: path, Value: val, Type: wire})
		}
		// Stored in the checked form: wire text and wire type, which is
		// what the session sends without checking it again.
		p.spec.ParameterValues = make([][]any, len(p.values))
		for i, v := range p.values {
			p.spec.ParameterValues[i] = []any{v.Name, v.Value, v.Type}
		}
	case "setParameterAttributes":
		if len(spec.ParameterAttributes) == 0 {
			return nil, &RuleError{Rule: RuleArgument, Msg: "parameterAttributes is empty"}
		}
		for _, a := range spec.ParameterAttributes {
			if e := b.checkName(a.Name); e != nil {
				return nil, e
			}
			if a.Notification != nil {
				n := *a.Notification
				if n < 0 || n > 2 {
					return nil, &RuleError{Path: a.Name, Rule: RuleNotification, Msg: "notification is 0 (off), 1 (passive) or 2 (active)"}
				}
				if e, _, ok := b.Lookup(a.Name); ok && !e.Object && e.ActiveNotify == "forceEnabled" && n != 2 {
					return nil, &RuleError{Path: a.Name, Rule: RuleNotification, Msg: "the standard forces active notification on this parameter"}
				}
			}
			for _, al := range a.AccessList {
				if al != "Subscriber" {
					return nil, &RuleError{Path: a.Name, Rule: RuleArgument, Msg: fmt.Sprintf("access list entry %q: only \"Subscriber\" is defined", al)}
				}
			}
		}
	case "refreshObject":
		// GenieACS's: read the object's names and values again
		// (discovery.go); "" is the whole tree.
		if spec.ObjectName == "" {
			spec.ObjectName = b.Root
		}
		if !strings.HasSuffix(spec.ObjectName, ".") {
			return nil, &RuleError{Path: spec.ObjectName, Rule: RuleArgument, Msg: "an object name ends in \".\""}
		}
		if e := b.checkName(spec.ObjectName); e != nil {
			return nil, e
		}
		p.spec = spec
	case "addObject":
		if e := b.checkAddObject(spec.ObjectName); e != nil {
			return nil, e
		}
	case "deleteObject":
		if e := b.checkDeleteObject(spec.ObjectName); e != nil {
			return nil, e
		}
	case "download", "scheduleDownload":
		if canon == "scheduleDownload" {
			if e := checkTimeWindows(spec.TimeWindows); e != nil {
				return nil, e
			}
		}
		name := spec.File
		if name == "" {
			name = spec.FileName
		}
		if spec.FileType == "" {
			spec.FileType = "1 Firmware Upgrade Image"
		}
		if !validTransferType(spec.FileType, true) {
			return nil, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("fileType %q is not a Download file type", spec.FileType)}
		}
		if name != "" {
			u, size, ok := fileURL(name)
			if !ok {
				return nil, &RuleError{Rule: RuleFile, Msg: fmt.Sprintf("the ACS has no file %q (PUT /files/%s first)", name, name)}
			}
			if spec.URL == "" {
				spec.URL = u
			}
			if spec.FileSize == 0 {
				spec.FileSize = size
			}
			spec.File = name
		}
		if spec.URL == "" {
			return nil, &RuleError{Rule: RuleArgument, Msg: "download needs file or url"}
		}
		p.spec = spec
	case "cancelTransfer":
		if (spec.Task == 0) == (spec.CommandKey == "") {
			return nil, &RuleError{Rule: RuleArgument, Msg: "cancelTransfer needs task (the id of a transfer task) or commandKey, not both"}
		}
		if len(spec.transferKey()) > 32 {
			return nil, &RuleError{Rule: RuleArgument, Msg: "commandKey is longer than 32 characters"}
		}
	case "changeDUState":
		for i := range spec.Operations {
			op := &spec.Operations[i]
			if op.File == "" {
				continue
			}
			u, _, ok := fileURL(op.File)
			if !ok {
				return nil, &RuleError{Rule: RuleFile, Msg: fmt.Sprintf("the ACS has no file %q (PUT /files/%s first)", op.File, op.File)}
			}
			// A stored task is prepared again when it is sent: its url is
			// then the one its file gave.
			if op.URL != "" && op.URL != u {
				return nil, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("operations[%d]: file or url, not both", i)}
			}
			op.URL = u
		}
		if e := b.checkDUOperations(spec.Operations); e != nil {
			return nil, e
		}
		p.spec = spec
	case "upload":
		if spec.FileType == "" {
			spec.FileType = "1 Vendor Configuration File"
		}
		if !validTransferType(spec.FileType, false) {
			return nil, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("fileType %q is not an Upload file type", spec.FileType)}
		}
		p.spec = spec
	}
	return p, nil
}

// storedTask is the task to store for a prepared one: its spec in the
// checked form (every default filled in, set values with their wire
// types), so that the session sends it without parsing it against the
// model again (loadTask).
func storedTask(deviceID string, p *prepared) *store.Task {
	raw, _ := json.Marshal(p.spec)
	return &store.Task{DeviceID: deviceID, Name: p.spec.Name, Spec: raw}
}

// loadTask reads a stored task for sending: the spec was checked against
// the device's model when it was queued (prepareTask) and is trusted as
// stored. ok is false for a spec that is not in the checked form (queued
// by an older version, whose set values may lack their wire types): the
// caller prepares it again.
func loadTask(raw []byte) (p *prepared, ok bool) {
	p = &prepared{}
	if err := json.Unmarshal(raw, &p.spec); err != nil {
		return nil, false
	}
	if p.spec.Name == "setParameterValues" || len(p.spec.ExpectFault) > 0 {
		for _, pv := range p.spec.ParameterValues {
			if len(pv) != 3 {
				return nil, false
			}
			path, ok1 := pv[0].(string)
			val, ok2 := pv[1].(string)
			typ, ok3 := pv[2].(string)
			if !ok1 || !ok2 || !ok3 || typ == "" {
				return nil, false
			}
			p.values = append(p.values, cwmp.ParameterValueStruct{Name: path, Value: val, Type: typ})
		}
	}
	switch {
	case p.spec.Name == "getParameterNames" && p.spec.ParameterPath == nil,
		(p.spec.Name == "download" || p.spec.Name == "scheduleDownload") && p.spec.URL == "":
		return nil, false
	}
	return p, true
}

func validTransferType(t string, download bool) bool {
	if strings.HasPrefix(t, "X ") {
		return true
	}
	if download {
		switch t {
		case "1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Tone File", "5 Ringer File":
			return true
		}
		return false
	}
	switch t {
	case "1 Vendor Configuration File", "2 Vendor Log File", "3 Vendor Configuration File", "4 Vendor Log File":
		return true
	}
	return strings.HasPrefix(t, "3 Vendor Configuration File") || strings.HasPrefix(t, "4 Vendor Log File")
}

// message builds the RPC for a prepared task; commandKey is the task's
// key (for SPV/AddObject/DeleteObject the ParameterKey defaults to it).
func (p *prepared) message(commandKey, uploadURL string) cwmp.Message {
	s := &p.spec
	key := s.ParameterKey
	if key == "" {
		key = commandKey
	}
	switch s.Name {
	case "getParameterValues":
		return &cwmp.GetParameterValues{ParameterNames: s.ParameterNames}
	case "setParameterValues":
		return &cwmp.SetParameterValues{ParameterList: p.values, ParameterKey: key}
	case "getParameterNames":
		return &cwmp.GetParameterNames{ParameterPath: *s.ParameterPath, NextLevel: s.NextLevel}
	case "getParameterAttributes":
		return &cwmp.GetParameterAttributes{ParameterNames: s.ParameterNames}
	case "setParameterAttributes":
		m := &cwmp.SetParameterAttributes{}
		for _, a := range s.ParameterAttributes {
			st := cwmp.SetParameterAttributesStruct{Name: a.Name, AccessList: a.AccessList}
			if a.Notification != nil {
				st.Notification = *a.Notification
				st.NotificationChange = true
			}
			if a.NotificationChange != nil {
				st.NotificationChange = *a.NotificationChange
			}
			if a.AccessList != nil {
				st.AccessListChange = true
			}
			if a.AccessListChange != nil {
				st.AccessListChange = *a.AccessListChange
			}
			if st.AccessList == nil {
				st.AccessList = []string{}
			}
			m.ParameterList = append(m.ParameterList, st)
		}
		return m
	case "addObject":
		return &cwmp.AddObject{ObjectName: s.ObjectName, ParameterKey: key}
	case "deleteObject":
		return &cwmp.DeleteObject{ObjectName: s.ObjectName, ParameterKey: key}
	case "reboot":
		return &cwmp.Reboot{CommandKey: commandKey}
	case "factoryReset":
		return &cwmp.FactoryReset{}
	case "getRPCMethods":
		return &cwmp.GetRPCMethods{}
	case "scheduleInform":
		return &cwmp.ScheduleInform{DelaySeconds: s.DelaySeconds, CommandKey: commandKey}
	case "download":
		return &cwmp.Download{CommandKey: commandKey, FileType: s.FileType, URL: s.URL, Username: s.Username, Password: s.Password,
			FileSize: s.FileSize, TargetFileName: s.TargetFileName, DelaySeconds: s.DelaySeconds}
	case "scheduleDownload":
		m := &cwmp.ScheduleDownload{CommandKey: commandKey, FileType: s.FileType, URL: s.URL, Username: s.Username, Password: s.Password,
			FileSize: s.FileSize, TargetFileName: s.TargetFileName}
		for _, w := range s.TimeWindows {
			retries := -1
			if w.MaxRetries != nil {
				retries = *w.MaxRetries
			}
			m.TimeWindowList = append(m.TimeWindowList, cwmp.TimeWindowStruct{WindowStart: w.Start, WindowEnd: w.End,
				WindowMode: w.Mode, UserMessage: w.UserMessage, MaxRetries: retries})
		}
		return m
	case "cancelTransfer":
		return &cwmp.CancelTransfer{CommandKey: s.transferKey()}
	case "getAllQueuedTransfers":
		return &cwmp.GetAllQueuedTransfers{}
	case "changeDUState":
		m := &cwmp.ChangeDUState{CommandKey: commandKey}
		for _, op := range s.Operations {
			switch op.Type {
			case "install":
				m.Operations = append(m.Operations, &cwmp.InstallOpStruct{URL: op.URL, UUID: op.UUID, Username: op.Username, Password: op.Password, ExecutionEnvRef: op.ExecutionEnvRef})
			case "update":
				m.Operations = append(m.Operations, &cwmp.UpdateOpStruct{UUID: op.UUID, Version: op.Version, URL: op.URL, Username: op.Username, Password: op.Password})
			case "uninstall":
				m.Operations = append(m.Operations, &cwmp.UninstallOpStruct{UUID: op.UUID, Version: op.Version, ExecutionEnvRef: op.ExecutionEnvRef})
			}
		}
		return m
	case "upload":
		u := s.URL
		if u == "" {
			u = uploadURL
		}
		return &cwmp.Upload{CommandKey: commandKey, FileType: s.FileType, URL: u, Username: s.Username, Password: s.Password, DelaySeconds: s.DelaySeconds}
	}
	return nil
}

// expectedResponse is the method name answering a task's RPC.
func expectedResponse(m cwmp.Message) string { return m.MethodName() + "Response" }

// checkTimeWindows checks the windows of a scheduleDownload as TR-069
// A.4.1.8 requires: one or two, each ending after it starts, the second
// starting at or after the end of the first, with a known mode.
func checkTimeWindows(ws []TimeWindow) *RuleError {
	if len(ws) == 0 || len(ws) > 2 {
		return &RuleError{Rule: RuleArgument, Msg: "scheduleDownload needs one or two timeWindows"}
	}
	for i, w := range ws {
		if w.End <= w.Start {
			return &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("timeWindows[%d] ends before it starts", i)}
		}
		switch w.Mode {
		case "1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed":
		default:
			if !strings.HasPrefix(w.Mode, "X ") {
				return &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("timeWindows[%d].mode %q is not a window mode", i, w.Mode)}
			}
		}
		if len(w.UserMessage) > 256 {
			return &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("timeWindows[%d].userMessage is longer than 256 characters", i)}
		}
		if w.MaxRetries != nil && *w.MaxRetries < -1 {
			return &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("timeWindows[%d].maxRetries is below -1", i)}
		}
	}
	if len(ws) == 2 && ws[1].Start < ws[0].End {
		return &RuleError{Rule: RuleArgument, Msg: "the second time window overlaps the first"}
	}
	return nil
}

// uuidRE is the UUID form of TR-069's ChangeDUState (RFC 4122 text form).
var uuidRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// checkDUOperations checks the operations of a changeDUState against the
// CWMP rules and the device's model: the model has SoftwareModules, an
// install has a URL, an update or uninstall names its deployment unit,
// and an execution environment reference is an ExecEnv instance path.
func (b *Binding) checkDUOperations(ops []DUOperation) *RuleError {
	sm := b.Root + "SoftwareModules."
	if _, _, ok := b.Lookup(sm); !ok {
		return &RuleError{Path: sm, Rule: RuleUnknownPath, Msg: "changeDUState needs SoftwareModules, which " + b.ModelName() + " does not have"}
	}
	if len(ops) == 0 {
		return &RuleError{Rule: RuleArgument, Msg: "changeDUState needs at least one operation"}
	}
	for i, op := range ops {
		where := fmt.Sprintf("operations[%d] (%s)", i, op.Type)
		switch op.Type {
		case "install":
			if op.URL == "" {
				return &RuleError{Rule: RuleArgument, Msg: where + ": needs url or file"}
			}
		case "update":
			if op.UUID == "" && op.URL == "" {
				return &RuleError{Rule: RuleArgument, Msg: where + ": needs uuid or url"}
			}
		case "uninstall":
			if op.UUID == "" {
				return &RuleError{Rule: RuleArgument, Msg: where + ": needs uuid"}
			}
		default:
			return &RuleError{Rule: RuleArgument, Msg: where + ": type is install, update or uninstall"}
		}
		if op.UUID != "" && !uuidRE.MatchString(op.UUID) {
			return &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("%s: uuid %q is not a UUID", where, op.UUID)}
		}
		if len(op.URL) > 1024 || len(op.Version) > 32 || len(op.Username) > 256 || len(op.Password) > 256 {
			return &RuleError{Rule: RuleArgument, Msg: where + ": an argument is longer than CWMP allows (url 1024, version 32, username/password 256)"}
		}
		if r := op.ExecutionEnvRef; r != "" {
			if sp, ok := model.SchemaPath(r); !ok || sp != sm+"ExecEnv.{i}." {
				return &RuleError{Path: r, Rule: RuleArgument, Msg: where + ": executionEnvRef is an instance of " + sm + "ExecEnv.{i}."}
			}
		}
	}
	return nil
}

// negativeTasks are the tasks that may carry expectFault: the RPCs whose
// refusals TR-069 defines by fault code.
var negativeTasks = map[string]bool{"getParameterValues": true, "getParameterNames": true, "getParameterAttributes": true,
	"setParameterValues": true, "setParameterAttributes": true, "addObject": true, "deleteObject": true}

// prepareNegative prepares a negative test (expectFault): only what is
// needed to send it is checked, since it is meant to break the model.
func prepareNegative(p *prepared) (*prepared, *RuleError) {
	spec := &p.spec
	if !negativeTasks[spec.Name] {
		return nil, &RuleError{Rule: RuleArgument, Msg: "expectFault applies to get/setParameterValues, getParameterNames, get/setParameterAttributes, addObject and deleteObject"}
	}
	for _, c := range spec.ExpectFault {
		if c < 9000 || c > 9899 {
			return nil, &RuleError{Rule: RuleArgument, Msg: fmt.Sprintf("expectFault %d is not a CPE fault code (9000-9899)", c)}
		}
	}
	switch spec.Name {
	case "getParameterNames":
		if spec.ParameterPath == nil {
			return nil, &RuleError{Rule: RuleArgument, Msg: "parameterPath is required"}
		}
	case "setParameterValues":
		for _, pv := range spec.ParameterValues {
			if len(pv) != 3 {
				return nil, &RuleError{Rule: RuleArgument, Msg: "a negative setParameterValues gives [path, value, type] for every parameter"}
			}
			path, ok1 := pv[0].(string)
			val, ok2 := valueString(pv[1])
			typ, ok3 := pv[2].(string)
			if !ok1 || !ok2 || !ok3 {
				return nil, &RuleError{Path: path, Rule: RuleArgument, Msg: "malformed parameterValues entry"}
			}
			p.values = append(p.values, cwmp.ParameterValueStruct{Name: path, Value: val, Type: typ})
		}
		if len(p.values) == 0 {
			return nil, &RuleError{Rule: RuleArgument, Msg: "parameterValues is empty"}
		}
		for i, v := range p.values {
			spec.ParameterValues[i] = []any{v.Name, v.Value, v.Type}
		}
	}
	return p, nil
}

// sendableTask is a queued task ready for its RPC. It was checked against
// the device's model when it was queued; what may have changed since is
// the ACS's state: a file it names may have been deleted.
func (s *Server) sendableTask(ctx context.Context, se *session, t *store.Task) (*prepared, *RuleError) {
	p, ok := loadTask(t.Spec)
	if !ok {
		return prepareTask(t.Spec, se.bind, s.fileURL(ctx))
	}
	files := []string{}
	if p.spec.File != "" {
		files = append(files, p.spec.File)
	}
	for _, op := range p.spec.Operations {
		if op.File != "" {
			files = append(files, op.File)
		}
	}
	fileURL := s.fileURL(ctx)
	for _, name := range files {
		if _, _, ok := fileURL(name); !ok {
			return nil, &RuleError{Rule: RuleFile, Msg: fmt.Sprintf("the ACS no longer has the file %q the task names", name)}
		}
	}
	return p, nil
}
