package acsref

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/cwmp"
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
//	{"name":"reboot"} {"name":"factoryReset"} {"name":"getRPCMethods"}
//	{"name":"download","file":"fw.bin","fileType":"1 Firmware Upgrade Image"}
//	{"name":"upload","fileType":"1 Vendor Configuration File","url":"http://..."}
//	{"name":"scheduleInform","delaySeconds":60}
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
		"scheduleInform", "getRPCMethods"} {
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
	case "addObject":
		if e := b.checkAddObject(spec.ObjectName); e != nil {
			return nil, e
		}
	case "deleteObject":
		if e := b.checkDeleteObject(spec.ObjectName); e != nil {
			return nil, e
		}
	case "download":
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
