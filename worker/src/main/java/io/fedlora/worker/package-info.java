/** The worker process: joins the cluster, trains on its shard, returns updates (issue 5). */
package io.fedlora.worker;
