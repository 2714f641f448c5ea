// Every test collection starts real servers and silos; on a 2-core machine they run one collection at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
