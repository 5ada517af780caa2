// Package conf reads a Dynomite YAML configuration file into a validated,
// immutable Config.
//
// A file holds one pool: a single top-level key of any name whose value is a
// block mapping of directives (listen, servers, dyn_seeds, ...). Load walks the
// file as a yaml.Node tree so every problem can name its file, line and key,
// applies the defaults of C Dynomite's code (not of its README), then checks
// every rule and returns all problems at once as an ErrorList. Directives that
// Dynomite parses but never uses are accepted and reported as Warnings.
//
// Differences from C Dynomite, mostly on the side of refusing a file that would
// misbehave at run time:
//   - An explicit 0 for a directive where 0 is not a usable value (timeout,
//     backlog, gos_interval, server_retry_timeout, stats_interval,
//     conn_msg_rate, *_connections, mbuf_size, max_msgs) gives the default,
//     as in Dynomite (which cannot tell 0 from "unset"), with a warning.
//   - datastore_connections, local_peer_connections and remote_peer_connections
//     above 255 are errors (Dynomite wraps them modulo 256).
//   - Of several entries in servers the last is used, as in Dynomite, with a
//     warning: a node fronts exactly one datastore.
//   - More than one pool in a file is an error (Dynomite keeps the last one).
//   - data_store other than 0 or 1 and an unknown secure_server_option are
//     errors here; Dynomite accepts both under -t and then fails at startup or
//     silently runs unencrypted.
//   - dyn_seeds without dyn_listen is an error.
//   - A missing tokens directive is a warning; a token must be a decimal
//     number in 0..4294967295 (Dynomite folds longer numbers).
//   - Tokens may be a comma-separated list (virtual nodes).
//   - Numbers are limited to 0..2147483647.
//   - An unknown dyn_seed_provider is a warning (Dynomite silently uses
//     simple_provider, or the provider whose name it starts with).
//   - A leading "---" document marker is accepted; Dynomite rejects it.
//   - Keys Dynomite does not have (secure.go): client_tls, peer_tls,
//     stats_tls, datastore_tls (each a mapping; their files are loaded
//     while checking), requirepass, users, datastore_password and
//     datastore_user. pem_key_file is read by CheckPemKey at start-up,
//     not by Load, as in Dynomite.
//
// Error texts read "<file>:<line>: <sentence naming the key>", for example
// `dynomite.yml:3: directive "lsten" is unknown`; mbuf_size and max_msgs use
// Dynomite's own sentences ("mbuf_size: mbuf chunk size must be between 512
// and 512000 bytes").
//
// Package conf imports nothing of ours. A Config is read-only after Load
// returns and may be shared by any number of goroutines.
package conf
