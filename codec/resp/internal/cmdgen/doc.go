// Package cmdgen builds the resp command table from the COMMAND reply of a
// running redis-server 7.0: it decodes every command, subcommand and key
// specification, adds Dynomite's routing classes and its own command
// (dynomite.go), and writes the Go source of zz_commands.go.
//
// StartServer runs a throw-away redis-server on a free loopback port and
// returns a func that stops exactly that process. Generate asks a server
// and returns the formatted source. Both are used by ../../gen and by the
// resp test that checks the committed table against the installed server.
package cmdgen
