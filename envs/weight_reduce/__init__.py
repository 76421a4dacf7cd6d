"""Weight reduction (He & Liu): the SeedReduce and WeightReduce envs, their reward and presets."""
