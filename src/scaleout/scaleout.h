// Scale-out over postgres_fdw shards (docs/scale-out.md).
#pragma once

// Installs the ExecutorStart hook that forwards the session's search
// settings to vector_db shard servers (shard_settings.cpp). From _PG_init.
void VdbShardSettingsInit(void);
