package acsref

// RouteRole is the least role the route table gives a route ("" for a
// public one, "?" for an unknown operationId).
func RouteRole(operationID string) string {
	for i := range nbiRoutes {
		if nbiRoutes[i].OperationID == operationID {
			return accessRole(routeAccess(&nbiRoutes[i]))
		}
	}
	return "?"
}
