package api

// RouteTable exposes the route table to the tests of package api_test, which
// cannot be internal tests: they use testenv, which imports this package.
var RouteTable = routes

// JSONFields exposes the member names of a request body type.
var JSONFields = jsonFields
