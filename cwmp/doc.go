// Package cwmp speaks the CWMP (TR-069) SOAP protocol, versions 1.0 to 1.4:
// Go types for every RPC of TR-069 Amendment 6, the SOAP envelope with its
// CWMP header elements, faults, event codes, and the HTTP plumbing a CWMP
// session needs (envelope reading and writing, session cookies).
//
// The package is strict in what it sends and tolerant in what it accepts.
// Encoding refuses anything the BBF cwmp schema for the envelope's namespace
// would reject (lengths, patterns, enumerations, fault-code ranges, messages
// that do not exist in that schema version), so a reply never fails on a
// peer that validates. Decoding accepts what real CPE firmwares send: any
// namespace prefixes, array counts that lie or are missing, values without
// xsi:type, pretty-printing, a UTF-8 byte-order mark, no XML declaration,
// unknown optional header elements, and elements in any order. It refuses
// what is unsafe: DTDs and entity declarations, documents over a size
// limit, nesting deeper than a limit.
//
// An empty HTTP POST is a protocol message in CWMP (the CPE has nothing more
// to send, or the ACS has nothing more to ask); it decodes to an Envelope
// whose IsEmpty reports true, and such an Envelope encodes to zero bytes.
//
// Digest and Basic authentication live in the auth subpackage.
package cwmp
