"""What labelxl writes: LX sheet layouts, template workbooks, message catalogues."""
