-- A copied database must never talk to the production Atlas: forget its address and credentials.
DELETE FROM ir_config_parameter
 WHERE key IN ('ncc_atlas_connector.url', 'ncc_atlas_connector.api_key', 'ncc_atlas_connector.basic_user',
               'ncc_atlas_connector.basic_password', 'ncc_atlas_connector.owner_uuid');
UPDATE ir_cron SET active = false
 WHERE id IN (SELECT res_id FROM ir_model_data WHERE module = 'ncc_atlas_connector' AND model = 'ir.cron');
