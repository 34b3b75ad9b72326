// Package bbf is the catalogue of Broadband Forum standard data-model
// documents: which root file defines which model version, and where dmforge
// looks for the files (the search path) or fetches them from.
package bbf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Entry says which root file defines one model version.
type Entry struct {
	Model    string // "Device:2.19"
	File     string // root file that defines it, latest corrigendum
	Standard string // "TR-181"
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

// Catalog lists every model version the BBF has published for CWMP, with
// the root file that defines it (the latest corrigendum, and the CWMP
// variant where the BBF splits common/cwmp/usp files). Some older versions
// are defined in another standard's file (TR-143, TR-157), alongside the
// model that file is about.
var Catalog = []Entry{
	{"Device:1.0", "tr-106-1-0-0.xml", "TR-106"},
	{"Device:1.1", "tr-106-1-1-0.xml", "TR-106"},
	{"Device:1.2", "tr-106-1-2-0.xml", "TR-106"},
	{"Device:1.3", "tr-157-1-0-0.xml", "TR-157"},
	{"Device:1.4", "tr-157-1-1-0.xml", "TR-157"},
	{"Device:1.5", "tr-181-1-0-0.xml", "TR-181"},
	{"Device:1.6", "tr-157-1-2-0.xml", "TR-157"},
	{"Device:1.7", "tr-157-1-3-0.xml", "TR-157"},
	{"Device:1.8", "tr-181-1-1-0.xml", "TR-181"},
	{"Device:1.9", "tr-181-1-2-0.xml", "TR-181"},
	{"Device:1.10", "tr-181-1-3-0.xml", "TR-181"},
	{"Device:1.11", "tr-181-1-4-0.xml", "TR-181"},
	{"Device:1.12", "tr-181-1-5-0.xml", "TR-181"},
	{"Device:1.13", "tr-181-1-6-0.xml", "TR-181"},
	{"Device:1.14", "tr-181-1-7-0.xml", "TR-181"},
	{"Device:2.0", "tr-181-2-0-3.xml", "TR-181"},
	{"Device:2.1", "tr-181-2-1-0.xml", "TR-181"},
	{"Device:2.2", "tr-181-2-2-0.xml", "TR-181"},
	{"Device:2.3", "tr-181-2-3-0.xml", "TR-181"},
	{"Device:2.4", "tr-181-2-4-0.xml", "TR-181"},
	{"Device:2.5", "tr-181-2-5-0.xml", "TR-181"},
	{"Device:2.6", "tr-181-2-6-0.xml", "TR-181"},
	{"Device:2.7", "tr-181-2-7-0.xml", "TR-181"},
	{"Device:2.8", "tr-181-2-8-0.xml", "TR-181"},
	{"Device:2.9", "tr-181-2-9-0.xml", "TR-181"},
	{"Device:2.10", "tr-181-2-10-0.xml", "TR-181"},
	{"Device:2.11", "tr-181-2-11-0.xml", "TR-181"},
	{"Device:2.12", "tr-181-2-12-0-cwmp.xml", "TR-181"},
	{"Device:2.13", "tr-181-2-13-0-cwmp.xml", "TR-181"},
	{"Device:2.14", "tr-181-2-14-1-cwmp.xml", "TR-181"},
	{"Device:2.15", "tr-181-2-15-1-cwmp.xml", "TR-181"},
	{"Device:2.16", "tr-181-2-16-0-cwmp.xml", "TR-181"},
	{"Device:2.17", "tr-181-2-17-0-cwmp.xml", "TR-181"},
	{"Device:2.18", "tr-181-2-18-1-cwmp.xml", "TR-181"},
	{"Device:2.19", "tr-181-2-19-1-cwmp.xml", "TR-181"},
	{"InternetGatewayDevice:1.0", "tr-069-1-0-0.xml", "TR-069"},
	{"InternetGatewayDevice:1.1", "tr-098-1-0-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.2", "tr-098-1-1-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.3", "tr-143-1-0-2.xml", "TR-143"},
	{"InternetGatewayDevice:1.4", "tr-098-1-2-1.xml", "TR-098"},
	{"InternetGatewayDevice:1.5", "tr-157-1-0-0.xml", "TR-157"},
	{"InternetGatewayDevice:1.6", "tr-157-1-1-0.xml", "TR-157"},
	{"InternetGatewayDevice:1.7", "tr-157-1-2-0.xml", "TR-157"},
	{"InternetGatewayDevice:1.8", "tr-157-1-3-0.xml", "TR-157"},
	{"InternetGatewayDevice:1.9", "tr-098-1-3-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.10", "tr-098-1-4-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.11", "tr-098-1-5-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.12", "tr-098-1-6-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.13", "tr-098-1-7-0.xml", "TR-098"},
	{"InternetGatewayDevice:1.14", "tr-098-1-8-0.xml", "TR-098"},
	{"VoiceService:1.0", "tr-104-1-0-0.xml", "TR-104"},
	{"VoiceService:1.1", "tr-104-1-1-0.xml", "TR-104"},
	{"VoiceService:2.0", "tr-104-2-0-2-cwmp.xml", "TR-104"},
	{"STBService:1.0", "tr-135-1-0-0.xml", "TR-135"},
	{"STBService:1.1", "tr-135-1-1-1.xml", "TR-135"},
	{"STBService:1.2", "tr-135-1-2-0.xml", "TR-135"},
	{"STBService:1.3", "tr-135-1-3-0.xml", "TR-135"},
	{"STBService:1.4", "tr-135-1-4-1-cwmp.xml", "TR-135"},
	{"StorageService:1.0", "tr-140-1-0-2.xml", "TR-140"},
	{"StorageService:1.1", "tr-140-1-1-1.xml", "TR-140"},
	{"StorageService:1.2", "tr-140-1-2-0.xml", "TR-140"},
	{"StorageService:1.3", "tr-140-1-3-1-cwmp.xml", "TR-140"},
	{"FAPService:1.0", "tr-196-1-0-0.xml", "TR-196"},
	{"FAPService:1.1", "tr-196-1-1-1.xml", "TR-196"},
	{"FAPService:2.0", "tr-196-2-0-3.xml", "TR-196"},
	{"FAPService:2.1", "tr-196-2-1-2-cwmp.xml", "TR-196"},
}

// Standard models are the four that dmforge generates Go for and that the
// ACS and CPE simulator carry.
var Standard = []string{"Device:2.19", "InternetGatewayDevice:1.14", "VoiceService:2.0", "STBService:1.4"}

// IsModelName reports whether s looks like a model name ("Device:2.19",
// "Device:2") rather than a file.
func IsModelName(s string) bool {
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

// Lookup finds the catalogue entry for a model name: an exact version
// ("Device:2.19") or a major version ("Device:2"), which means the latest
// minor version of it.
func Lookup(name string) (Entry, error) {
	i := strings.IndexByte(name, ':')
	if i <= 0 {
		return Entry{}, fmt.Errorf("model name %q: want NAME:MAJOR[.MINOR], e.g. Device:2.19", name)
	}
	root, ver := name[:i], name[i+1:]
	if strings.Contains(ver, ".") {
		for _, e := range Catalog {
			if e.Model == name {
				return e, nil
			}
		}
		return Entry{}, fmt.Errorf("model %s is not in the catalogue (dmforge bbf list shows it)", name)
	}
	major, err := strconv.Atoi(ver)
	if err != nil {
		return Entry{}, fmt.Errorf("model name %q: bad version", name)
	}
	var best *Entry
	for i := range Catalog {
		e := &Catalog[i]
		if e.Name() == root && e.Major() == major && (best == nil || e.Minor() > best.Minor()) {
			best = e
		}
	}
	if best == nil {
		return Entry{}, fmt.Errorf("no %s:%d.x model in the catalogue (dmforge bbf list shows it)", root, major)
	}
	return *best, nil
}

// Sorted returns the catalogue sorted by model name and version.
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
		return a.Minor() < b.Minor()
	})
	return out
}
