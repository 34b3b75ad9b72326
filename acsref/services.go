package acsref

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/model"
)

// A service with several major versions compiled in (TR-104's
// VoiceService:1 and VoiceService:2) is bound per device, from what the
// device says and has:
//
//  1. the tree it reports: objects under Services.<Service>.{i}. that only
//     one major version defines (VoiceProfile is v1, CallControl, SIP,
//     POTS … are v2) — what a device has beats what it declares;
//  2. its declaration: DeviceSummary ("…, VoiceService:1.0[1](…)", TR-098)
//     or a SupportedDataModel URN ("urn:broadband-forum-org:tr-104-1-…");
//  3. what it was bound to before (store.Device.Model);
//  4. the root's usual one: VoiceService:1 under InternetGatewayDevice.,
//     the newest under Device.
//
// store.Device.Services holds the service models bound ("STBService:1.4",
// "VoiceService:1.1").

// defaultService is the model of a service a root gets without any other
// evidence.
func defaultService(root, name string) *model.Schema {
	ms := serviceModels[name]
	if name == "VoiceService" && root == "InternetGatewayDevice." {
		return ms[0]
	}
	return ms[len(ms)-1]
}

// majorOf is the major version of a schema's model ("VoiceService:1.1" → 1).
func majorOf(s *model.Schema) int {
	_, v, _ := strings.Cut(s.Model, ":")
	m, _, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(m)
	return n
}

// serviceOfMajor is the compiled model of a service's major version, or
// nil.
func serviceOfMajor(name string, major int) *model.Schema {
	for _, s := range serviceModels[name] {
		if majorOf(s) == major {
			return s
		}
	}
	return nil
}

// ServiceModels are the service models bound, as store.Device.Services
// holds them: sorted.
func (b *Binding) ServiceModels() []string {
	var svc []string
	for _, s := range b.Services {
		svc = append(svc, s.Model)
	}
	sort.Strings(svc)
	return svc
}

// modelOf names the model that defines (or would define) a path: a
// service's for a path under its object, else the root's.
func (b *Binding) modelOf(path string) string {
	if rest, ok := strings.CutPrefix(path, b.Root+"Services."); ok && rest != "" {
		name, _, _ := strings.Cut(rest, ".")
		if s, ok := b.Services[name]; ok {
			return s.Model
		}
	}
	return b.Schema.Model
}

// withService returns a copy of b with the service bound to s.
func (b *Binding) withService(name string, s *model.Schema) *Binding {
	c := *b
	c.Services = make(map[string]*model.Schema, len(b.Services))
	for k, v := range b.Services {
		c.Services[k] = v
	}
	c.Services[name] = s
	return &c
}

// BindDevice returns the binding of a stored device: its root's, with the
// service models its Services record; nil for a root no compiled model
// defines.
func BindDevice(d *store.Device) *Binding {
	b := BindRoot(d.Root)
	if b == nil {
		return nil
	}
	for _, part := range d.Services {
		name, _, _ := strings.Cut(part, ":")
		for _, s := range serviceModels[name] {
			if s.Model == part && b.Services[name] != s {
				b = b.withService(name, s)
			}
		}
	}
	return b
}

// serviceEvidence is what a session learnt of the major version of each
// multi-version service: from the tree (strongest), DeviceSummary, and
// SupportedDataModel.
type serviceEvidence struct {
	tree, summary, urn map[string]int
}

func (e *serviceEvidence) note(m *map[string]int, name string, major int) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[name] = major
}

var (
	// summaryServiceRE finds "VoiceService:1.0" in a DeviceSummary.
	summaryServiceRE = regexp.MustCompile(`\b([A-Za-z]+Service):(\d+)\.\d+`)
	// urnTR104RE finds TR-104's major version in a SupportedDataModel URN.
	urnTR104RE = regexp.MustCompile(`tr-104-(\d+)-`)
)

// noteValue takes the evidence a reported value holds.
func (se *session) noteValue(name, value string) {
	if se.bind == nil {
		return
	}
	rest := strings.TrimPrefix(name, se.bind.Root)
	switch {
	case rest == "DeviceSummary":
		for _, m := range summaryServiceRE.FindAllStringSubmatch(value, -1) {
			if len(serviceModels[m[1]]) > 1 {
				n, _ := strconv.Atoi(m[2])
				se.evidence.note(&se.evidence.summary, m[1], n)
			}
		}
	case strings.HasPrefix(rest, "DeviceInfo.SupportedDataModel.") && (strings.HasSuffix(rest, ".URN") || strings.HasSuffix(rest, ".URL")):
		if m := urnTR104RE.FindStringSubmatch(value); m != nil {
			n, _ := strconv.Atoi(m[1])
			se.evidence.note(&se.evidence.urn, "VoiceService", n)
		}
	}
}

// noteTree takes the evidence of a reported name tree: for each
// multi-version service, the major version whose model alone defines the
// objects the device has directly under its instances.
func (se *session) noteTree(names []store.Parameter) {
	if se.bind == nil {
		return
	}
	prefix := se.bind.Root + "Services."
	votes := map[string]map[int]int{}
	for _, p := range names {
		rest, ok := strings.CutPrefix(p.Name, prefix)
		if !ok {
			continue
		}
		// "VoiceService.1.VoiceProfile." → service, child object.
		parts := strings.SplitN(rest, ".", 4)
		if len(parts) < 4 || parts[3] != "" || len(serviceModels[parts[0]]) < 2 || IsVendor(parts[2]) {
			continue
		}
		schemaPath := parts[0] + ".{i}." + parts[2] + "."
		var in []int
		for _, s := range serviceModels[parts[0]] {
			if _, ok := s.Lookup(schemaPath); ok {
				in = append(in, majorOf(s))
			} else if _, ok := s.Lookup(schemaPath + "{i}."); ok {
				in = append(in, majorOf(s))
			}
		}
		if len(in) == 1 {
			if votes[parts[0]] == nil {
				votes[parts[0]] = map[int]int{}
			}
			votes[parts[0]][in[0]]++
		}
	}
	for name, v := range votes {
		best, bestN := 0, 0
		for major, n := range v {
			if n > bestN || n == bestN && major > best {
				best, bestN = major, n
			}
		}
		se.evidence.note(&se.evidence.tree, name, best)
	}
}

// rebind binds each multi-version service to the model the evidence
// points to; the device keeps it (Device.Services).
func (se *session) rebind() {
	if se.bind == nil {
		return
	}
	for name, ms := range serviceModels {
		if len(ms) < 2 {
			continue
		}
		major := 0
		for _, m := range []map[string]int{se.evidence.tree, se.evidence.summary, se.evidence.urn} {
			if n := m[name]; n != 0 && serviceOfMajor(name, n) != nil {
				major = n
				break
			}
		}
		if major == 0 {
			continue
		}
		if s := serviceOfMajor(name, major); se.bind.Services[name] != s {
			se.bind = se.bind.withService(name, s)
		}
	}
	se.dev.Services = se.bind.ServiceModels()
}
