package bbf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// DefaultBaseURL is where the BBF publishes its CWMP data-model files.
const DefaultBaseURL = "https://www.broadband-forum.org/cwmp/"

// Fetcher downloads BBF files and everything they import into a directory.
type Fetcher struct {
	BaseURL string       // with a trailing slash; DefaultBaseURL if empty
	Dir     string       // destination; CacheDir() if empty
	Client  *http.Client // http.DefaultClient with a timeout if nil
	Log     io.Writer    // progress lines, if non-nil
	// MaxFiles bounds one fetch (imports can fan out); 0 means 2000.
	MaxFiles int
	// Resolved is the file that remembers, per document, the latest
	// corrigendum found on BaseURL and when (ResolvedCacheFile() for the
	// user cache); "" remembers nothing between runs. Without it every
	// run probes the site with HEAD requests for every import that omits
	// its corrigendum.
	Resolved string
	// MaxAge is how long a remembered corrigendum is trusted; 0 means
	// DefaultResolvedMaxAge. Refresh probes again whatever the age.
	MaxAge  time.Duration
	Refresh bool
	// Probes counts the HEAD requests this Fetcher sent.
	Probes int

	fetched  map[string]bool
	resolved *resolvedCache
	probed   map[string]bool // documents probed in this run
}

// DefaultResolvedMaxAge is how long a remembered corrigendum is trusted:
// the BBF publishes a corrigendum a few times a year.
const DefaultResolvedMaxAge = 30 * 24 * time.Hour

// ResolvedCacheFile is where `dmforge bbf fetch` remembers the latest
// corrigenda it found, beside the cache of files ("" when the system has
// no user cache directory).
func ResolvedCacheFile() string {
	d := CacheDir()
	if d == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(d), "bbf-corrigenda.json")
}

// resolvedCache is the Resolved file: by base URL, by document (the file
// name without its corrigendum, "tr-181-2-19-cwmp"), what was found.
type resolvedCache struct {
	Sites map[string]map[string]resolvedEntry `json:"sites"`
	dirty bool
}

type resolvedEntry struct {
	File    string    `json:"file"`
	Checked time.Time `json:"checked"`
}

// loadResolved reads the Resolved file; a missing one is empty, and an
// unreadable one is an error naming it (rather than probing silently).
func (f *Fetcher) loadResolved() error {
	f.resolved = &resolvedCache{Sites: map[string]map[string]resolvedEntry{}}
	if f.Resolved == "" {
		return nil
	}
	data, err := os.ReadFile(f.Resolved)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, f.resolved); err != nil && !f.Refresh {
		return fmt.Errorf("%s: %w (delete it, or fetch with --refresh)", f.Resolved, err)
	}
	if f.resolved.Sites == nil {
		f.resolved.Sites = map[string]map[string]resolvedEntry{}
	}
	return nil
}

// saveResolved writes the Resolved file if anything was found.
func (f *Fetcher) saveResolved() error {
	if f.Resolved == "" || !f.resolved.dirty {
		return nil
	}
	data, err := json.MarshalIndent(f.resolved, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.Resolved), 0o755); err != nil {
		return err
	}
	tmp := f.Resolved + ".part"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, f.Resolved)
}

var importRe = regexp.MustCompile(`<import\s[^>]*?file="([^"]+)"(?:[^>]*?spec="([^"]+)")?`)

// Fetch downloads the named files (root files, e.g. from the catalogue) and,
// recursively, the files they import. Files already in Dir are not
// downloaded again but are still read for their imports.
func (f *Fetcher) Fetch(ctx context.Context, files ...string) ([]string, error) {
	if f.BaseURL == "" {
		f.BaseURL = DefaultBaseURL
	}
	if !strings.HasSuffix(f.BaseURL, "/") {
		f.BaseURL += "/"
	}
	if f.Dir == "" {
		f.Dir = CacheDir()
	}
	if f.Client == nil {
		f.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if f.MaxFiles == 0 {
		f.MaxFiles = 2000
	}
	if f.MaxAge == 0 {
		f.MaxAge = DefaultResolvedMaxAge
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := f.loadResolved(); err != nil {
		return nil, err
	}
	f.fetched, f.probed = map[string]bool{}, map[string]bool{}
	got, err := f.fetchAll(ctx, files)
	if serr := f.saveResolved(); serr != nil && err == nil {
		err = fmt.Errorf("remembering corrigenda in %s: %w", f.Resolved, serr)
	}
	return got, err
}

func (f *Fetcher) fetchAll(ctx context.Context, files []string) ([]string, error) {
	var got []string
	queue := append([]string(nil), files...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if f.fetched[name] {
			continue
		}
		if len(f.fetched) >= f.MaxFiles {
			return got, fmt.Errorf("stopped after %d files", f.MaxFiles)
		}
		f.fetched[name] = true
		data, err := f.get(ctx, name)
		if err != nil {
			return got, err
		}
		got = append(got, name)
		for _, m := range importRe.FindAllSubmatch(data, -1) {
			imp, err := f.resolveImport(ctx, string(m[1]), string(m[2]))
			if err != nil {
				return got, fmt.Errorf("%s: %w", name, err)
			}
			queue = append(queue, imp)
		}
	}
	return got, nil
}

// get returns the file's bytes from Dir, downloading it first if needed.
func (f *Fetcher) get(ctx context.Context, name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("refusing file name %q", name)
	}
	dst := filepath.Join(f.Dir, name)
	if data, err := os.ReadFile(dst); err == nil {
		return data, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.BaseURL+name, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", f.BaseURL+name, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	tmp := dst + ".part"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, err
	}
	if f.Log != nil {
		fmt.Fprintf(f.Log, "fetched %s (%d bytes)\n", name, len(data))
	}
	return data, nil
}

var docNameRe = regexp.MustCompile(`^tr-(\d+)-(\d+)(?:-(\d+))?(?:-(\d+))?(?:-([A-Za-z][\w-]*?))?(?:\.xml)?$`)

// resolveImport turns an import's file and spec into the file name to
// fetch. When the name omits the corrigendum the latest one is wanted, and
// the BBF's server has no listing to read it from: corrigenda are probed
// from 9 down to 0, once per document and run, and what is found is
// remembered in the Resolved file for MaxAge.
func (f *Fetcher) resolveImport(ctx context.Context, file, spec string) (string, error) {
	s := docNameRe.FindStringSubmatch(strings.TrimPrefix(spec, "urn:broadband-forum-org:"))
	fm := docNameRe.FindStringSubmatch(file)
	if s == nil || s[3] == "" {
		if fm == nil || fm[3] == "" || fm[4] != "" {
			return file, nil // no version to resolve: the name as written
		}
		s = fm
	}
	label := s[5]
	if label == "" && fm != nil {
		label = fm[5]
	}
	name := func(c string) string {
		n := fmt.Sprintf("tr-%s-%s-%s-%s", s[1], s[2], s[3], c)
		if label != "" {
			n += "-" + label
		}
		return n + ".xml"
	}
	if fm != nil && fm[4] != "" {
		return name(fm[4]), nil
	}
	if fm == nil && s[4] != "" {
		return name(s[4]), nil
	}
	doc := fmt.Sprintf("tr-%s-%s-%s", s[1], s[2], s[3])
	if label != "" {
		doc += "-" + label
	}
	site := f.resolved.Sites[f.BaseURL]
	if e, ok := site[doc]; ok && (f.probed[doc] || !f.Refresh && time.Since(e.Checked) < f.MaxAge) {
		return e.File, nil
	}
	n, err := f.probe(ctx, name)
	if err != nil {
		return "", fmt.Errorf("%w (file %s, spec %s)", err, file, spec)
	}
	if site == nil {
		site = map[string]resolvedEntry{}
		f.resolved.Sites[f.BaseURL] = site
	}
	// Remembered for this run too: many files import the same document.
	site[doc] = resolvedEntry{File: n, Checked: time.Now().UTC()}
	f.resolved.dirty = true
	f.probed[doc] = true
	return n, nil
}

// probe finds the latest corrigendum of a document on the site: name(c)
// is its file name for corrigendum c. Corrigenda newer than the latest one
// in Dir are asked for with HEAD; when the site cannot be reached, the one
// in Dir will do.
func (f *Fetcher) probe(ctx context.Context, name func(c string) string) (string, error) {
	local, localC := "", -1
	for c := 9; c >= 0 && local == ""; c-- {
		if n := name(fmt.Sprint(c)); fileExists(filepath.Join(f.Dir, n)) {
			local, localC = n, c
		}
	}
	for c := 9; c > localC; c-- {
		n := name(fmt.Sprint(c))
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, f.BaseURL+n, nil)
		if err != nil {
			return "", err
		}
		f.Probes++
		resp, err := f.Client.Do(req)
		if err != nil {
			if local != "" && ctx.Err() == nil {
				return local, nil
			}
			return "", fmt.Errorf("probe %s: %w", n, err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return n, nil
		}
	}
	if local != "" {
		return local, nil
	}
	return "", fmt.Errorf("no corrigendum found at %s", f.BaseURL)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
