package lint

import (
	"github.com/dmforge/dmforge/model"
	"regexp"
	"strings"
)

var (
	// nameRe is a TR-106 name segment: a letter or underscore first, then
	// letters, digits, hyphens (vendor domains) and underscores.
	nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	ouiRe  = regexp.MustCompile(`^[0-9A-F]{6}$`)
	// domainRe is a domain name in upper case with its dots written as
	// hyphens or underscores: at least two labels.
	domainRe = regexp.MustCompile(`^[A-Z0-9]+(?:[-_][A-Z0-9]+)+$`)
)

// vendorSplit splits a vendor-prefixed name "X_ACME-EXAMPLE-COM_Foo" into
// its vendor ("ACME-EXAMPLE-COM") and the rest ("Foo"). ok is false when
// the name has no well-formed vendor prefix; the name must start with "X_".
func vendorSplit(name string) (vendor, rest string, ok bool) {
	s := strings.TrimPrefix(name, "X_")
	// Try the longest vendor first: "X_ACME_EXAMPLE_COM_Foo".
	for i := len(s) - 1; i > 0; i-- {
		if s[i] != '_' || i+1 >= len(s) {
			continue
		}
		v, r := s[:i], s[i+1:]
		if validVendor(v) {
			return v, r, true
		}
	}
	return "", "", false
}

func validVendor(v string) bool {
	if ouiRe.MatchString(v) {
		return true
	}
	if !domainRe.MatchString(v) {
		return false
	}
	// The top-level label is alphabetic.
	last := v[strings.LastIndexAny(v, "-_")+1:]
	for i := 0; i < len(last); i++ {
		if last[i] < 'A' || last[i] > 'Z' {
			return false
		}
	}
	return true
}

// hasVendorPrefix reports whether a name segment is a vendor extension.
func hasVendorPrefix(name string) bool { return strings.HasPrefix(name, "X_") }

// checkName checks one name segment of an object, parameter, command or
// event: syntax, CamelCase and a well-formed vendor prefix.
func (c *linter) checkName(name string, pos model.Pos, path, kind string) {
	if t := strings.TrimSpace(name); t != name && t != "" {
		c.add(pos, 0, RuleNameWhitespace, path, "%s name %q has leading or trailing white space", kind, name)
		name = t
	}
	if name == "" || !nameRe.MatchString(name) {
		c.add(pos, 0, RuleNameSyntax, path, "%s name %q is not a TR-106 name (a letter first, then letters, digits, hyphens or underscores)", kind, name)
		return
	}
	rest := name
	if hasVendorPrefix(name) {
		_, r, ok := vendorSplit(name)
		if !ok {
			c.add(pos, 0, RuleVendorPrefix, path, "%s name %q: vendor prefix is not X_<OUI>_ (six upper-case hex digits) or X_<DOMAIN>_ (upper-case domain name, dots as - or _), e.g. X_00D09E_ or X_ACME-EXAMPLE-COM_", kind, name)
			return
		}
		rest = r
	} else if strings.Contains(name, "-") {
		c.add(pos, 0, RuleNameSyntax, path, "%s name %q: hyphens are allowed only in a vendor prefix", kind, name)
		return
	}
	if rest == "" || !(rest[0] >= 'A' && rest[0] <= 'Z') {
		if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			c.add(pos, 0, RuleNameSyntax, path, "%s name %q starts with a digit", kind, name)
			return
		}
		c.add(pos, 0, RuleNameCase, path, "%s name %q is not CamelCase (it should start with an upper-case letter)", kind, name)
	}
}
