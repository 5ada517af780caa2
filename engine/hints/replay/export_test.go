package replay

import (
	"strings"

	"github.com/dynomite-go/dynomite/codec/memcache"
)

func memcacheCmd(req string) memcache.Command {
	name, _, _ := strings.Cut(req, " ")
	return memcache.Lookup([]byte(name))
}
