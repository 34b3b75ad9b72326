package acsref

import "net/http"

// RouteSpec is a route of the NBI's table as the tests see it.
type RouteSpec struct {
	Method, Pattern, OperationID string
	Public                       bool
	// Statuses are the documented statuses (401 included for the routes
	// that need credentials).
	Statuses []int
}

// NBIRouteSpecs lists the NBI's route table.
func NBIRouteSpecs() []RouteSpec {
	var out []RouteSpec
	for _, rt := range nbiRoutes {
		rs := RouteSpec{Method: rt.Method, Pattern: rt.Pattern, OperationID: rt.OperationID, Public: rt.Access == AccessPublic}
		for _, r := range rt.Responses {
			rs.Statuses = append(rs.Statuses, r.Status)
		}
		if !rs.Public {
			rs.Statuses = append(rs.Statuses, http.StatusUnauthorized)
		}
		out = append(out, rs)
	}
	return out
}
