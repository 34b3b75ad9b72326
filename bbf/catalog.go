// Package bbf is the catalogue of Broadband Forum standard data-model
// documents: which root file defines which model version, and where dmforge
// looks for the files (the search path) or fetches them from.
package bbf

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Protocol variants of a model. From TR-181 2.12 (and the service models'
// latest versions) on, the BBF publishes the same model name twice: a
// -cwmp.xml root for TR-069 and a -usp.xml root for USP (TR-369), which
// adds commands and events. Older models are CWMP only.
const (
	CWMP = "cwmp"
	USP  = "usp"
)

// Entry says which root file defines one model version.
type Entry struct {
	Model    string // "Device:2.19", the model name the root file defines
	File     string // root file that defines it, latest corrigendum
	Standard string // "TR-181"
	// Protocol is CWMP or USP: which variant of the model the file is.
	Protocol string
}

// Key is the catalogue name of the entry: the model name for a CWMP
// variant ("Device:2.19"), with "-usp" appended for a USP one
// ("Device:2.19-usp"). A model name without a suffix always means CWMP.
func (e Entry) Key() string {
	if e.Protocol == USP {
		return e.Model + "-" + USP
	}
	return e.Model
}

// Name returns the model name without version.
func (e Entry) Name() string { return e.Model[:strings.IndexByte(e.Model, ':')] }

// Major and Minor return the model version numbers.
func (e Entry) Major() int { return versionPart(e.Model, 0) }
func (e Entry) Minor() int { return versionPart(e.Model, 1) }

func versionPart(model string, i int) int {
	v := model[strings.IndexByte(model, ':')+1:]
	parts := strings.Split(v, ".")
	if i >= len(parts) {
		return 0
	}
	n, _ := strconv.Atoi(parts[i])
	return n
}

// Catalog lists every model version the BBF has published, with the root
// file that defines it (the latest corrigendum): every CWMP version, and
// the USP variant of each version the BBF splits into -cwmp/-usp files.
// Some older versions are defined in another standard's file (TR-143,
// TR-157), alongside the model that file is about.
var Catalog = slices.Concat(cwmpCatalog, uspCatalog)

var cwmpCatalog = []Entry{
	{"Device:1.0", "tr-106-1-0-0.xml", "TR-106", CWMP},
	{"Device:1.1", "tr-106-1-1-0.xml", "TR-106", CWMP},
	{"Device:1.2", "tr-106-1-2-0.xml", "TR-106", CWMP},
	{"Device:1.3", "tr-157-1-0-0.xml", "TR-157", CWMP},
	{"Device:1.4", "tr-157-1-1-0.xml", "TR-157", CWMP},
	{"Device:1.5", "tr-181-1-0-0.xml", "TR-181", CWMP},
	{"Device:1.6", "tr-157-1-2-0.xml", "TR-157", CWMP},
	{"Device:1.7", "tr-157-1-3-0.xml", "TR-157", CWMP},
	{"Device:1.8", "tr-181-1-1-0.xml", "TR-181", CWMP},
	{"Device:1.9", "tr-181-1-2-0.xml", "TR-181", CWMP},
	{"Device:1.10", "tr-181-1-3-0.xml", "TR-181", CWMP},
	{"Device:1.11", "tr-181-1-4-0.xml", "TR-181", CWMP},
	{"Device:1.12", "tr-181-1-5-0.xml", "TR-181", CWMP},
	{"Device:1.13", "tr-181-1-6-0.xml", "TR-181", CWMP},
	{"Device:1.14", "tr-181-1-7-0.xml", "TR-181", CWMP},
	{"Device:2.0", "tr-181-2-0-3.xml", "TR-181", CWMP},
	{"Device:2.1", "tr-181-2-1-0.xml", "TR-181", CWMP},
	{"Device:2.2", "tr-181-2-2-0.xml", "TR-181", CWMP},
	{"Device:2.3", "tr-181-2-3-0.xml", "TR-181", CWMP},
	{"Device:2.4", "tr-181-2-4-0.xml", "TR-181", CWMP},
	{"Device:2.5", "tr-181-2-5-0.xml", "TR-181", CWMP},
	{"Device:2.6", "tr-181-2-6-0.xml", "TR-181", CWMP},
	{"Device:2.7", "tr-181-2-7-0.xml", "TR-181", CWMP},
	{"Device:2.8", "tr-181-2-8-0.xml", "TR-181", CWMP},
	{"Device:2.9", "tr-181-2-9-0.xml", "TR-181", CWMP},
	{"Device:2.10", "tr-181-2-10-0.xml", "TR-181", CWMP},
	{"Device:2.11", "tr-181-2-11-0.xml", "TR-181", CWMP},
	{"Device:2.12", "tr-181-2-12-0-cwmp.xml", "TR-181", CWMP},
	{"Device:2.13", "tr-181-2-13-0-cwmp.xml", "TR-181", CWMP},
	{"Device:2.14", "tr-181-2-14-1-cwmp.xml", "TR-181", CWMP},
	{"Device:2.15", "tr-181-2-15-1-cwmp.xml", "TR-181", CWMP},
	{"Device:2.16", "tr-181-2-16-0-cwmp.xml", "TR-181", CWMP},
	{"Device:2.17", "tr-181-2-17-0-cwmp.xml", "TR-181", CWMP},
	{"Device:2.18", "tr-181-2-18-1-cwmp.xml", "TR-181", CWMP},
	{"Device:2.19", "tr-181-2-19-1-cwmp.xml", "TR-181", CWMP},
	{"InternetGatewayDevice:1.0", "tr-069-1-0-0.xml", "TR-069", CWMP},
	{"InternetGatewayDevice:1.1", "tr-098-1-0-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.2", "tr-098-1-1-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.3", "tr-143-1-0-2.xml", "TR-143", CWMP},
	{"InternetGatewayDevice:1.4", "tr-098-1-2-1.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.5", "tr-157-1-0-0.xml", "TR-157", CWMP},
	{"InternetGatewayDevice:1.6", "tr-157-1-1-0.xml", "TR-157", CWMP},
	{"InternetGatewayDevice:1.7", "tr-157-1-2-0.xml", "TR-157", CWMP},
	{"InternetGatewayDevice:1.8", "tr-157-1-3-0.xml", "TR-157", CWMP},
	{"InternetGatewayDevice:1.9", "tr-098-1-3-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.10", "tr-098-1-4-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.11", "tr-098-1-5-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.12", "tr-098-1-6-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.13", "tr-098-1-7-0.xml", "TR-098", CWMP},
	{"InternetGatewayDevice:1.14", "tr-098-1-8-0.xml", "TR-098", CWMP},
	{"VoiceService:1.0", "tr-104-1-0-0.xml", "TR-104", CWMP},
	{"VoiceService:1.1", "tr-104-1-1-0.xml", "TR-104", CWMP},
	{"VoiceService:2.0", "tr-104-2-0-2-cwmp.xml", "TR-104", CWMP},
	{"STBService:1.0", "tr-135-1-0-0.xml", "TR-135", CWMP},
	{"STBService:1.1", "tr-135-1-1-1.xml", "TR-135", CWMP},
	{"STBService:1.2", "tr-135-1-2-0.xml", "TR-135", CWMP},
	{"STBService:1.3", "tr-135-1-3-0.xml", "TR-135", CWMP},
	{"STBService:1.4", "tr-135-1-4-1-cwmp.xml", "TR-135", CWMP},
	{"StorageService:1.0", "tr-140-1-0-2.xml", "TR-140", CWMP},
	{"StorageService:1.1", "tr-140-1-1-1.xml", "TR-140", CWMP},
	{"StorageService:1.2", "tr-140-1-2-0.xml", "TR-140", CWMP},
	{"StorageService:1.3", "tr-140-1-3-1-cwmp.xml", "TR-140", CWMP},
	{"FAPService:1.0", "tr-196-1-0-0.xml", "TR-196", CWMP},
	{"FAPService:1.1", "tr-196-1-1-1.xml", "TR-196", CWMP},
	{"FAPService:2.0", "tr-196-2-0-3.xml", "TR-196", CWMP},
	{"FAPService:2.1", "tr-196-2-1-2-cwmp.xml", "TR-196", CWMP},
}

// uspCatalog are the USP variants. TR-181 2.11 and older, and the older
// service models, have none.
var uspCatalog = []Entry{
	{"Device:2.12", "tr-181-2-12-0-usp.xml", "TR-181", USP},
	{"Device:2.13", "tr-181-2-13-0-usp.xml", "TR-181", USP},
	{"Device:2.14", "tr-181-2-14-1-usp.xml", "TR-181", USP},
	{"Device:2.15", "tr-181-2-15-1-usp.xml", "TR-181", USP},
	{"Device:2.16", "tr-181-2-16-0-usp.xml", "TR-181", USP},
	{"Device:2.17", "tr-181-2-17-0-usp.xml", "TR-181", USP},
	{"Device:2.18", "tr-181-2-18-1-usp.xml", "TR-181", USP},
	{"Device:2.19", "tr-181-2-19-1-usp.xml", "TR-181", USP},
	{"VoiceService:2.0", "tr-104-2-0-2-usp.xml", "TR-104", USP},
	{"STBService:1.4", "tr-135-1-4-1-usp.xml", "TR-135", USP},
	{"StorageService:1.3", "tr-140-1-3-1-usp.xml", "TR-140", USP},
	{"FAPService:2.1", "tr-196-2-1-2-usp.xml", "TR-196", USP},
}

// Standard models are the four that dmforge generates Go for and that the
// ACS and CPE simulator carry.
var Standard = []string{"Device:2.19", "InternetGatewayDevice:1.14", "VoiceService:2.0", "STBService:1.4"}

// StandardFiles returns the root files of the standard models in both
// variants where the BBF publishes a USP one: what `dmforge bbf fetch`
// fetches by default.
func StandardFiles() []string {
	var files []string
	for _, name := range Standard {
		for _, key := range []string{name, name + "-" + USP} {
			if e, err := Lookup(key); err == nil {
				files = append(files, e.File)
			}
		}
	}
	return files
}

// IsModelName reports whether s looks like a model name ("Device:2.19",
// "Device:2", "Device:2.19-usp") rather than a file.
func IsModelName(s string) bool {
	s, _ = splitProtocol(s)
	i := strings.IndexByte(s, ':')
	if i <= 0 || strings.ContainsAny(s, "/\\") || strings.HasSuffix(s, ".xml") {
		return false
	}
	for _, p := range strings.Split(s[i+1:], ".") {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// splitProtocol splits a "-usp" or "-cwmp" suffix off a model name; the
// protocol is CWMP without one.
func splitProtocol(name string) (string, string) {
	for _, p := range []string{USP, CWMP} {
		if base, ok := strings.CutSuffix(name, "-"+p); ok {
			return base, p
		}
	}
	return name, CWMP
}

// Lookup finds the catalogue entry for a model name: an exact version
// ("Device:2.19") or a major version ("Device:2"), which means the latest
// minor version of it, each optionally suffixed with the protocol
// variant: "-cwmp" (the default, also for models that have no USP
// variant) or "-usp" ("Device:2.19-usp", "Device:2-usp").
func Lookup(name string) (Entry, error) {
	full := name
	name, protocol := splitProtocol(name)
	i := strings.IndexByte(name, ':')
	if i <= 0 {
		return Entry{}, fmt.Errorf("model name %q: want NAME:MAJOR[.MINOR][-usp|-cwmp], e.g. Device:2.19 or Device:2.19-usp", full)
	}
	root, ver := name[:i], name[i+1:]
	if strings.Contains(ver, ".") {
		found := false
		for _, e := range Catalog {
			if e.Model == name {
				if e.Protocol == protocol {
					return e, nil
				}
				found = true
			}
		}
		if found {
			return Entry{}, fmt.Errorf("model %s has no %s variant in the catalogue (dmforge bbf list shows it)", name, strings.ToUpper(protocol))
		}
		return Entry{}, fmt.Errorf("model %s is not in the catalogue (dmforge bbf list shows it)", full)
	}
	major, err := strconv.Atoi(ver)
	if err != nil {
		return Entry{}, fmt.Errorf("model name %q: bad version", name)
	}
	var best *Entry
	for i := range Catalog {
		e := &Catalog[i]
		if e.Name() == root && e.Major() == major && e.Protocol == protocol && (best == nil || e.Minor() > best.Minor()) {
			best = e
		}
	}
	if best == nil {
		return Entry{}, fmt.Errorf("no %s:%d.x %s model in the catalogue (dmforge bbf list shows it)", root, major, strings.ToUpper(protocol))
	}
	return *best, nil
}

// Sorted returns the catalogue sorted by model name and version, the CWMP
// variant of a version before its USP one.
func Sorted() []Entry {
	out := append([]Entry(nil), Catalog...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Name() != b.Name() {
			return a.Name() < b.Name()
		}
		if a.Major() != b.Major() {
			return a.Major() < b.Major()
		}
		if a.Minor() != b.Minor() {
			return a.Minor() < b.Minor()
		}
		return a.Protocol == CWMP && b.Protocol == USP
	})
	return out
}
