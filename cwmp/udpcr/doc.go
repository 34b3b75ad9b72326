// Package udpcr is the wire protocol of connection requests to CPEs behind
// NAT, shared by the ACS and the CPE: the UDP Connection Request of TR-069
// Annex G, and the STUN messages of TR-111 Part 2 that keep a NAT binding
// open and tell the ACS where it leads.
//
// # UDP Connection Request (TR-069 Annex G)
//
// One UDP datagram holding an HTTP/1.1 GET request line and headers, sent
// by the ACS to the CPE's ManagementServer.UDPConnectionRequestAddress:
//
//	GET http://198.51.100.7:3478?ts=1120673700&id=1234&un=CPE57689&cn=XTGRWIPC6D3IPXS3&sig=... HTTP/1.1
//	Host: 198.51.100.7:3478
//
// ts is the time in seconds since 1970-01-01 UTC, id a message id (the
// same in every retransmitted copy), un the ConnectionRequestUsername, cn
// a random cnonce, and sig the HMAC-SHA1, keyed with the
// ConnectionRequestPassword, of the concatenation of the ts, id, un and cn
// values, in hex. The CPE answers nothing: it checks the message (ParseRequest,
// Request.Verify, Guard) and drops what fails silently.
//
// # STUN (RFC 3489 / RFC 5389, TR-111 Part 2)
//
// The CPE sends Binding Requests from its UDP connection-request socket to
// the ACS's STUN server, with two TR-111 attributes besides the standard
// ones: CONNECTION-REQUEST-BINDING (0xC001, the 20 bytes
// "dslforum.org/TR-111 ") on every request sent from that socket, and
// BINDING-CHANGE (0xC002, empty) on the first request after the CPE
// learned a new mapped address. USERNAME carries the CPE's STUNUsername;
// MESSAGE-INTEGRITY, keyed with STUNPassword, is added once the server
// asked for it with a 401 error.
//
// TR-111 predates RFC 5389 and its devices speak RFC 3489, whose
// MESSAGE-INTEGRITY differs (the HMAC input is zero-padded to a multiple of
// 64 bytes, and implementations disagree on the header length it covers):
// Message.CheckIntegrity accepts every variant seen in devices, and
// Message.Encode writes either.
package udpcr
