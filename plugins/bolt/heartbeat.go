package bolt

import (
	"fmt"
	"time"
)

// heartbeatLoop sends a heartbeat on every tick of interval during which
// nothing but heartbeat acks was received, and closes the client when
// maxMisses heartbeats in a row got no answer (any received frame counts as
// an answer).
func (c *Client) heartbeatLoop(interval time.Duration, maxMisses int) {
	defer c.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastReads, lastAcks uint64
	misses, outstanding := 0, false
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		// Load reads first: the reader counts a frame before counting it
		// as an ack, so an ack can at worst look like other traffic.
		reads, acks := c.reads.Load(), c.stats.hbAcks.Load()
		if reads != lastReads {
			misses, outstanding = 0, false // the peer is alive
		}
		busy := reads-lastReads > acks-lastAcks
		lastReads, lastAcks = reads, acks
		if busy {
			continue
		}
		if outstanding {
			if misses++; misses >= maxMisses {
				c.fail(fmt.Errorf("%w: %d heartbeats unanswered (interval %v)", ErrHeartbeatTimeout, misses, interval))
				return
			}
		}
		if err := c.sendHeartbeat(c.nextID.Add(1)); err != nil {
			c.fail(err)
			return
		}
		outstanding = true
	}
}
